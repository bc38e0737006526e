import { defineBlock, type BlockContext, type TimerHandle } from "../../runtime/block.ts";

interface Config {
  expression: string;
  timezone?: string;
}

/** A parsed 5-field cron expression: the allowed values of each field. */
export interface CronSchedule {
  minutes: boolean[];
  hours: boolean[];
  days: boolean[];
  months: boolean[];
  weekdays: boolean[];
  /** The day-of-month / day-of-week field is restricted (does not start with `*`). */
  dayRestricted: boolean;
  weekdayRestricted: boolean;
  /** The hour field starts with `*`: the schedule follows real time across DST changes. */
  hourWildcard: boolean;
}

interface State {
  ticks: number;
  timer: TimerHandle | undefined;
  schedule: CronSchedule | undefined;
  zone: Zone | undefined;
}

type Context = BlockContext<Config, State>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const FIELDS = [
  { key: "minutes", en: "minute", zh: "分钟", min: 0, max: 59 },
  { key: "hours", en: "hour", zh: "小时", min: 0, max: 23 },
  { key: "days", en: "day-of-month", zh: "日", min: 1, max: 31 },
  { key: "months", en: "month", zh: "月", min: 1, max: 12 },
  { key: "weekdays", en: "day-of-week", zh: "星期", min: 0, max: 7 },
] as const;

/** Parses "minute hour day-of-month month day-of-week"; throws an error in both languages naming the bad field. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/).filter((p) => p !== "");
  if (parts.length !== 5) {
    throw new Error(
      `cron expression '${expression}' has ${parts.length} fields, expected 5: minute hour day-of-month month day-of-week / ` +
        `cron 表达式 '${expression}' 有 ${parts.length} 个字段，应为 5 个：分钟 小时 日 月 星期`,
    );
  }
  const sets = FIELDS.map((field, index) => parseField(parts[index]!, field, expression));
  const weekdays = sets[4]!;
  if (weekdays[7]) weekdays[0] = true;
  const schedule: CronSchedule = {
    minutes: sets[0]!, hours: sets[1]!, days: sets[2]!, months: sets[3]!, weekdays: weekdays.slice(0, 7),
    dayRestricted: !parts[2]!.startsWith("*"),
    weekdayRestricted: !parts[4]!.startsWith("*"),
    hourWildcard: parts[1]!.startsWith("*"),
  };
  // A day-of-month no selected month has (e.g. "0 0 31 2 *") would never fire.
  if (schedule.dayRestricted && !schedule.weekdayRestricted) {
    const longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const possible = schedule.months.some((on, month) => on && schedule.days.some((d, day) => d && day <= longest[month - 1]!));
    if (!possible) {
      throw new Error(
        `cron expression '${expression}': the day-of-month field '${parts[2]}' names no day that the month field '${parts[3]}' has / ` +
          `cron 表达式 '${expression}'：日字段 '${parts[2]}' 在月字段 '${parts[3]}' 的月份中不存在`,
      );
    }
  }
  return schedule;
}

function parseField(text: string, field: (typeof FIELDS)[number], expression: string): boolean[] {
  const set = new Array<boolean>(field.max + 1).fill(false);
  const bad = (why: { en: string; zh: string }): never => {
    throw new Error(
      `cron expression '${expression}': the ${field.en} field '${text}' is not valid: ${why.en} / ` +
        `cron 表达式 '${expression}'：${field.zh}字段 '${text}' 无效：${why.zh}`,
    );
  };
  const range = { en: `values are ${field.min}–${field.max}`, zh: `取值范围为 ${field.min}–${field.max}` };
  const number = (s: string): number => {
    if (!/^\d{1,2}$/.test(s)) bad({ en: `'${s}' is not a number; use *, a, a-b, a,b, */n or a-b/n`, zh: `'${s}' 不是数字；可用 *、a、a-b、a,b、*/n 或 a-b/n` });
    const n = Number(s);
    if (n < field.min || n > field.max) bad(range);
    return n;
  };
  for (const item of text.split(",")) {
    const [base, stepText, extra] = item.split("/");
    if (extra !== undefined || base === undefined || base === "") bad({ en: `'${item}' is malformed`, zh: `'${item}' 格式错误` });
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,2}$/.test(stepText) || Number(stepText) < 1) bad({ en: `the step '${stepText}' must be a whole number ≥ 1`, zh: `步长 '${stepText}' 须为 ≥ 1 的整数` });
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (base === "*") {
      from = field.min;
      to = field.key === "weekdays" ? 6 : field.max;
    } else if (base!.includes("-")) {
      const [a, b, more] = base!.split("-");
      if (more !== undefined) bad({ en: `'${base}' is malformed`, zh: `'${base}' 格式错误` });
      from = number(a!);
      to = number(b!);
      if (from > to) bad({ en: `the range '${base}' runs backwards`, zh: `范围 '${base}' 起点大于终点` });
    } else {
      if (stepText !== undefined) bad({ en: `a step needs * or a range before it, e.g. */${stepText}`, zh: `步长前须为 * 或范围，例如 */${stepText}` });
      from = to = number(base!);
    }
    for (let v = from; v <= to; v += step) set[v] = true;
  }
  return set;
}

/** Local wall time in an IANA zone, from Intl.DateTimeFormat: the process's TZ plays no part. */
export class Zone {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly name: string) {
    try {
      this.format = new Intl.DateTimeFormat("en-US", {
        timeZone: name, hourCycle: "h23",
        year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
      });
    } catch {
      throw new Error(`timezone '${name}' is not an IANA time zone, e.g. 'Asia/Shanghai' / 时区 '${name}' 不是 IANA 时区，例如 'Asia/Shanghai'`);
    }
  }

  /** The wall time at `utcMs` as if it were a UTC instant (so Date's UTC getters read its fields). */
  wall(utcMs: number): number {
    const f: Record<string, number> = {};
    for (const part of this.format.formatToParts(utcMs)) if (part.type !== "literal") f[part.type] = Number(part.value);
    const seconds = Math.floor(utcMs / 1000) * 1000;
    return Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!) + (utcMs - seconds);
  }

  /** Offset from UTC at `utcMs`, in ms (e.g. +8h for Asia/Shanghai). */
  offset(utcMs: number): number {
    return this.wall(utcMs) - utcMs;
  }

  /** The instants whose wall time is `wall`: none in a skipped hour, two in a repeated one. */
  instants(wall: number): { instants: number[]; before: number } {
    const before = this.offset(wall - DAY);
    const after = this.offset(wall + DAY);
    const found: number[] = [];
    for (const o of before === after ? [before] : [before, after]) {
      const t = wall - o;
      if (this.offset(t) === o) found.push(t);
    }
    return { instants: found.sort((a, b) => a - b), before };
  }
}

function dayMatches(s: CronSchedule, wall: Date): boolean {
  if (!s.months[wall.getUTCMonth() + 1]) return false;
  const dom = s.days[wall.getUTCDate()]!;
  const dow = s.weekdays[wall.getUTCDay()]!;
  // As in Vixie cron: when both day fields are restricted, either one matching is enough.
  if (s.dayRestricted && s.weekdayRestricted) return dom || dow;
  return dom && dow;
}

/** The first wall minute at or after `from` (a wall time) that matches, or undefined within ten years. */
function nextWall(s: CronSchedule, from: number): number | undefined {
  let w = Math.ceil(from / MINUTE) * MINUTE;
  const limit = w + 10 * 366 * DAY;
  while (w < limit) {
    const d = new Date(w);
    if (!s.months[d.getUTCMonth() + 1]) {
      w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else if (!dayMatches(s, d)) {
      w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    } else if (!s.hours[d.getUTCHours()]) {
      w = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
    } else if (!s.minutes[d.getUTCMinutes()]) {
      w += MINUTE;
    } else {
      return w;
    }
  }
  return undefined;
}

/**
 * The first scheduled instant strictly after `afterMs` (UTC). A wall time repeated when the clocks go
 * back fires once, at its first occurrence, unless the hour field starts with `*` (then it fires
 * in both passes, following real time). A wall time skipped when the clocks go forward fires once,
 * moved later by the gap (02:30 → 03:30 CEST), unless the hour field starts with `*`.
 */
export function nextFire(s: CronSchedule, zone: Zone, afterMs: number): number | undefined {
  // Near a change of offset, start a few hours back in wall time so a repeated hour's second pass is not missed.
  const nearChange = zone.offset(afterMs - DAY) !== zone.offset(afterMs + DAY);
  let w = zone.wall(afterMs) - (nearChange ? 3 * HOUR : 0);
  let best: number | undefined;
  let bestWall = Number.POSITIVE_INFINITY;
  for (;;) {
    const found = nextWall(s, w);
    if (found === undefined || found > bestWall + 3 * HOUR) return best;
    const { instants, before } = zone.instants(found);
    let candidates: number[];
    if (instants.length === 0) candidates = s.hourWildcard ? [] : [found - before];
    else if (instants.length === 2 && !s.hourWildcard) candidates = [instants[0]!];
    else candidates = instants;
    for (const t of candidates) {
      if (t > afterMs && (best === undefined || t < best)) {
        best = t;
        bestWall = found;
      }
    }
    w = found + MINUTE;
  }
}

export default defineBlock<Config, State>({
  createState: () => ({ ticks: 0, timer: undefined, schedule: undefined, zone: undefined }),

  start(ctx) {
    ctx.state.schedule = parseCron(ctx.config.expression);
    ctx.state.zone = new Zone(ctx.config.timezone ?? "Asia/Shanghai");
    schedule(ctx, ctx.clock.now());
  },

  stop(ctx) {
    if (ctx.state.timer !== undefined) ctx.clock.clear(ctx.state.timer);
    ctx.state.timer = undefined;
  },
});

function schedule(ctx: Context, afterMs: number): void {
  const at = nextFire(ctx.state.schedule!, ctx.state.zone!, afterMs);
  if (at === undefined) {
    ctx.log.warn({ en: `'${ctx.config.expression}' matches no time in the next ten years: nothing scheduled`, "zh-CN": `'${ctx.config.expression}' 在未来十年内没有匹配的时间：不再触发` });
    ctx.state.timer = undefined;
    return;
  }
  ctx.state.timer = ctx.clock.setTimeout(() => {
    ctx.state.ticks++;
    ctx.emit("out", ctx.state.ticks, { ts: at });
    // A timer that fired late (a suspended box) skips the ticks it missed rather than bursting.
    schedule(ctx, Math.max(at, ctx.clock.now()));
  }, Math.max(0, at - ctx.clock.now()));
}
