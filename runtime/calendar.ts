// Shifts and breaks of a site's calendar as instants: in the site's time zone, whatever the box's TZ is.
import type { SiteCalendar } from "./block.ts";

/** One occurrence of a shift: epoch ms, breaks clipped to the shift and sorted. */
export interface ShiftInstance {
  name: string;
  start: number;
  end: number;
  breaks: Array<[number, number]>;
}

/** Gives the shift that contains `t`, or else the next one to start after it. */
export type ShiftFinder = (t: number) => ShiftInstance;

const DAY_MS = 86_400_000;
const TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

/** Without a calendar: each calendar day in UTC is one shift, named by its date. */
export function utcDays(t: number): ShiftInstance {
  const start = Math.floor(t / DAY_MS) * DAY_MS;
  return { name: new Date(start).toISOString().slice(0, 10), start, end: start + DAY_MS, breaks: [] };
}

function minutesOf(text: string, where: string): number {
  const m = TIME.exec(text);
  if (m === null) throw new Error(`calendar: ${where} "${text}" is not a time of day HH:MM (00:00 to 24:00) / 日历：${where} "${text}" 不是 HH:MM 格式的时刻（00:00 至 24:00）`);
  return m[1] === undefined ? 1440 : Number(m[1]) * 60 + Number(m[2]);
}

/** Shifts of the site's calendar, in its time zone, whatever the box's TZ is. */
export function calendarShifts(calendar: SiteCalendar): ShiftFinder {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: calendar.timezone, hourCycle: "h23",
      year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
    });
  } catch {
    throw new Error(`calendar: "${calendar.timezone}" is not an IANA time zone / 日历："${calendar.timezone}" 不是 IANA 时区`);
  }
  if (calendar.shifts.length === 0) throw new Error("calendar: no shifts / 日历：没有班次");
  // Each shift as minutes after the local midnight of the day it starts on.
  const shifts = calendar.shifts.map((shift) => {
    const start = minutesOf(shift.start, `shift ${shift.name} start`);
    let end = minutesOf(shift.end, `shift ${shift.name} end`);
    if (end <= start) end += 1440;
    const breaks = (shift.breaks ?? []).map(([a, b]): [number, number] => {
      let from = minutesOf(a, `shift ${shift.name} break`);
      let to = minutesOf(b, `shift ${shift.name} break`);
      if (from < start) from += 1440;
      if (to <= from) to += 1440;
      return [Math.max(from, start), Math.min(to, end)];
    }).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
    return { name: shift.name, start, end, breaks };
  });

  /** The wall-clock time of `t` in the zone, as if it were UTC. */
  const wall = (t: number): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(t)) if (part.type !== "literal") p[part.type] = Number(part.value);
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  };
  /** The instant a wall-clock time (written as UTC) happens in the zone. */
  const instant = (local: number): number => {
    const guess = local - (wall(local) - local);
    return local - (wall(guess) - guess);
  };

  return (t) => {
    const today = Math.floor(wall(t) / DAY_MS) * DAY_MS;
    let best: ShiftInstance | undefined;
    for (let day = today - DAY_MS; day <= today + 2 * DAY_MS; day += DAY_MS) {
      for (const shift of shifts) {
        const start = instant(day + shift.start * 60_000);
        const end = instant(day + shift.end * 60_000);
        if (end <= t) continue;
        if (best === undefined || start < best.start) {
          best = { name: shift.name, start, end, breaks: shift.breaks.map(([a, b]) => [instant(day + a * 60_000), instant(day + b * 60_000)]) };
        }
      }
    }
    return best!;
  };
}

/** The shifts that lie wholly within [from, to], in order. */
export function shiftsBetween(finder: ShiftFinder, from: number, to: number): ShiftInstance[] {
  const shifts: ShiftInstance[] = [];
  for (let shift = finder(from); shift.end <= to; shift = finder(shift.end)) {
    if (shift.start >= from) shifts.push(shift);
  }
  return shifts;
}
