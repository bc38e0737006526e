import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { defineBlock, numberIn, type BlockContext, type Message, type TimerHandle } from "../../runtime/block.ts";
import { calendarShifts, type ShiftFinder } from "../../runtime/calendar.ts";
import { writeAtomically } from "../lib/atomic-file.ts";
import { eventRowOf, kpiFigures, oeeReportIn, textOf, totalsOf, type I18nText, type OeeReport, type ReportData } from "./figures.ts";
import { keepPeriods, keptPeriods, type Period } from "./kept-periods.ts";
import { siteTime, type SiteTime } from "./site-time.ts";

interface Config {
  title?: I18nText;
  period?: "shift" | "day";
  site?: string | I18nText;
  graceS?: number;
  maxEvents?: number;
  maxRows?: number;
  labels?: Readonly<Record<string, string | I18nText>>;
}

interface State {
  finder: ShiftFinder | undefined;
  time: SiteTime | undefined;
  /** "day", or undefined when periods are the calendar's shifts and keep their names. */
  periodName: string | undefined;
  startedAt: number;
  /** Open periods, earliest first; the earliest is the one the timer waits for. */
  periods: Period[];
  /** Everything before this has been reported. */
  closedUntil: number;
  timer: TimerHandle | undefined;
  timerDue: number;
  /** Reports are written one after another; stop() waits for the last. */
  writing: Promise<void>;
  warnedLate: boolean;
  /** Clock time the open periods were last kept in the store. */
  keptAt: number;
}

type Context = BlockContext<Config, State>;

const DEFAULT_TITLE: Record<"shift" | "day", I18nText> = {
  shift: { en: "Shift report", "zh-CN": "班次报表" },
  day: { en: "Daily report", "zh-CN": "日报" },
};

export default defineBlock<Config, State>({
  createState: () => ({
    finder: undefined, time: undefined, periodName: undefined, startedAt: 0, periods: [], closedUntil: 0,
    timer: undefined, timerDue: Number.NaN, writing: Promise.resolve(), warnedLate: false, keptAt: 0,
  }),

  start(ctx) {
    const s = ctx.state;
    const calendar = ctx.site.calendar;
    const timezone = calendar?.timezone ?? "UTC";
    if (ctx.config.period === "day" || calendar === undefined) {
      // A calendar day in the site's time zone is a "shift" from 00:00 to 24:00.
      s.finder = calendarShifts({ timezone, shifts: [{ name: "day", start: "00:00", end: "24:00" }] });
      s.periodName = "day";
    } else {
      s.finder = calendarShifts(calendar);
    }
    s.time = siteTime(timezone);
    s.startedAt = s.closedUntil = s.keptAt = ctx.clock.now();
    resume(ctx);
    periodAt(ctx, s.startedAt);
    schedule(ctx);
  },

  onMessage(port, msg, ctx) {
    const s = ctx.state;
    // Replay: a message from after a period's end (and its grace) closes that period first.
    closeDue(ctx, msg.ts, false);
    if (port === "oee") collectOee(ctx, msg);
    else if (port === "counts") collectCount(ctx, msg);
    else collectEvent(ctx, msg);
    if (s.periods.length === 0) periodAt(ctx, s.closedUntil);
    schedule(ctx);
    if (ctx.clock.now() - s.keptAt >= KEEP_EVERY_MS) keep(ctx);
  },

  async stop(ctx) {
    const s = ctx.state;
    if (s.timer !== undefined) ctx.clock.clear(s.timer);
    s.timer = undefined;
    const now = ctx.clock.now();
    closeDue(ctx, now, true);
    // The next start continues these periods; the report written now is replaced by the full one.
    keep(ctx, true);
    // What is still open is reported as far as it got: partial unless its end has passed.
    // A period in which nothing arrived has nothing to show yet, and is left out.
    for (const period of s.periods.splice(0)) {
      if (isEmpty(period)) continue;
      const end = Math.min(now, period.instance.end);
      write(ctx, period, Math.max(end, period.from), end < period.instance.end || period.from > period.instance.start);
    }
    await s.writing;
  },
});

/** A crash loses at most this much of clock time of the open periods (a clean stop loses nothing). */
const KEEP_EVERY_MS = 60_000;

/** The configuration periods are collected under: one made for another calendar or period is not continued. */
function keepKey(ctx: Context): string {
  return JSON.stringify([ctx.config.period ?? "shift", ctx.site.calendar ?? null]);
}

function keep(ctx: Context, clean = false): void {
  const s = ctx.state;
  s.keptAt = ctx.clock.now();
  keepPeriods(ctx.store, { key: keepKey(ctx), closedUntil: s.closedUntil, at: s.keptAt, clean, periods: s.periods });
}

/**
 * Continues the periods the last run left open. One that ended while the APP was not running is
 * reported now, as far as the APP saw it — unless a clean stop reported it so already.
 */
function resume(ctx: Context): void {
  const s = ctx.state;
  const kept = keptPeriods(ctx.store, keepKey(ctx));
  if (kept === undefined) return;
  s.closedUntil = kept.closedUntil;
  for (const period of kept.periods) {
    if (period.instance.end > s.startedAt) {
      s.periods.push(period);
      continue;
    }
    s.closedUntil = period.instance.end;
    if (kept.clean || isEmpty(period)) continue;
    const end = Math.max(Math.min(kept.at, period.instance.end), period.from);
    write(ctx, period, end, end < period.instance.end || period.from > period.instance.start);
  }
  // A message from the time the APP was not running belongs to a continued period, or it is late.
  const first = s.periods[0];
  s.closedUntil = first === undefined ? s.startedAt : Math.max(s.closedUntil, Math.min(first.instance.start, s.startedAt));
}

/** The open period for time `t` (the one containing it, or the next to start), opened if need be. */
function periodAt(ctx: Context, t: number): Period {
  const s = ctx.state;
  const instance = s.finder!(Math.max(t, s.closedUntil));
  let index = s.periods.findIndex((p) => p.instance.start >= instance.start);
  const found = s.periods[index];
  if (found !== undefined && found.instance.start === instance.start) return found;
  const period: Period = {
    instance, from: Math.max(instance.start, s.startedAt),
    oee: [], counts: new Map(), events: [], eventsNotListed: 0, raw: [], rawNotKept: 0,
  };
  if (index < 0) index = s.periods.length;
  s.periods.splice(index, 0, period);
  return period;
}

/** Reports every open period whose end plus the grace time has come by `now`. */
function closeDue(ctx: Context, now: number, inclusive: boolean): void {
  const s = ctx.state;
  const grace = (ctx.config.graceS ?? 5) * 1000;
  for (;;) {
    const first = s.periods[0];
    if (first === undefined) return;
    const due = first.instance.end + grace;
    if (inclusive ? due > now : due >= now) return;
    s.periods.shift();
    s.closedUntil = first.instance.end;
    write(ctx, first, first.instance.end, first.from > first.instance.start);
    // The next period opens even if nothing arrives in it: a report of an idle shift says so.
    if (s.periods.length === 0) periodAt(ctx, s.closedUntil);
    keep(ctx);
  }
}

/** The message's time for choosing its period; an OEE report belongs to the shift it describes. */
function timeOf(ctx: Context, msg: Message, report?: OeeReport): number {
  const s = ctx.state;
  const t = report !== undefined && report.end > report.start ? report.end - 1 : msg.ts;
  if (t >= s.closedUntil) return t;
  ctx.metrics.count("late");
  if (!s.warnedLate) {
    s.warnedLate = true;
    ctx.log.warn({
      en: `a message from ${new Date(t).toISOString()} came after its period was reported; it goes into the next report (is graceS too short?)`,
      "zh-CN": `一条 ${new Date(t).toISOString()} 的消息在其时段的报表写出后才到达，已计入下一份报表（graceS 是否太短？）`,
    }, { source: msg.source });
  }
  return s.closedUntil;
}

function keepRaw(ctx: Context, period: Period, port: string, msg: Message): void {
  if (period.raw.length < (ctx.config.maxRows ?? 10_000)) {
    period.raw.push({ ts: msg.ts, port, source: msg.source, quality: msg.quality, value: msg.value });
  } else {
    period.rawNotKept++;
  }
}

function collectOee(ctx: Context, msg: Message): void {
  const report = oeeReportIn(msg.value, msg.ts);
  if (typeof report === "string") {
    ctx.log.warn({ en: `ignored a message on oee that is not an OEE report: ${report}`, "zh-CN": `忽略了 oee 端口上不是 OEE 报表的消息：${reasonZh(report)}` }, { source: msg.source });
    ctx.metrics.count("invalid");
    return;
  }
  const period = periodAt(ctx, timeOf(ctx, msg, report));
  period.oee.push(report);
  keepRaw(ctx, period, "oee", msg);
}

function reasonZh(reason: string): string {
  if (reason === "not an object") return "不是对象";
  if (reason === "no machine") return "缺少 machine";
  return `缺少数值 ${reason.replace("no number ", "")}`;
}

function collectCount(ctx: Context, msg: Message): void {
  const value = typeof msg.value === "boolean" ? Number(msg.value) : numberIn(msg, ctx, true);
  if (value === undefined) return;
  const period = periodAt(ctx, timeOf(ctx, msg));
  let tally = period.counts.get(msg.source);
  if (tally === undefined) {
    const label = ctx.config.labels?.[msg.source];
    tally = { source: msg.source, label: (label === undefined ? undefined : textOf(label)) ?? msg.source, messages: 0, sum: 0, last: 0, lastTs: msg.ts };
    period.counts.set(msg.source, tally);
  }
  tally.messages++;
  tally.sum += value;
  if (msg.ts >= tally.lastTs) {
    tally.last = value;
    tally.lastTs = msg.ts;
  }
  keepRaw(ctx, period, "counts", msg);
}

function collectEvent(ctx: Context, msg: Message): void {
  const period = periodAt(ctx, timeOf(ctx, msg));
  if (period.events.length < (ctx.config.maxEvents ?? 200)) period.events.push(eventRowOf(msg.value, msg.ts, msg.source, msg.quality));
  else period.eventsNotListed++;
  keepRaw(ctx, period, "events", msg);
}

function isEmpty(period: Period): boolean {
  return period.oee.length === 0 && period.counts.size === 0 && period.events.length === 0 && period.eventsNotListed === 0;
}

/** Keeps one timer at the end (plus grace) of the earliest open period. */
function schedule(ctx: Context): void {
  const s = ctx.state;
  const first = s.periods[0];
  if (first === undefined) return;
  const due = first.instance.end + (ctx.config.graceS ?? 5) * 1000;
  if (due === s.timerDue && s.timer !== undefined) return;
  if (s.timer !== undefined) ctx.clock.clear(s.timer);
  s.timerDue = due;
  s.timer = ctx.clock.setTimeout(() => {
    s.timer = undefined;
    closeDue(ctx, Math.max(ctx.clock.now(), due), true);
    schedule(ctx);
  }, Math.max(0, due - ctx.clock.now()));
}

function siteName(ctx: Context): I18nText | undefined {
  const given: unknown = ctx.config.site ?? ctx.site.name;
  if (typeof given === "string" && given !== "") return { en: given, "zh-CN": given };
  if (typeof given === "object" && given !== null) {
    const { en, "zh-CN": zh } = given as Partial<I18nText>;
    if (typeof en === "string" && typeof zh === "string") return { en, "zh-CN": zh };
  }
  return undefined;
}

/** Characters a file name cannot hold on Linux or Windows (a USB stick, a shared folder). */
const fileSafe = (name: string) => name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, "_").trim() || "_";

/**
 * Renders the period's report and writes its three files. The HTML and CSV are written at
 * once; the XLSX is packed asynchronously, after which the `report` message is sent.
 */
function write(ctx: Context, period: Period, end: number, partial: boolean): void {
  const s = ctx.state;
  const time = s.time!;
  const startedRender = performance.now();
  const name = s.periodName ?? period.instance.name;
  const figures = kpiFigures(period.oee);
  const data: ReportData = {
    title: ctx.config.title ?? DEFAULT_TITLE[s.periodName === "day" ? "day" : "shift"],
    site: siteName(ctx),
    period: name,
    date: time.date(period.instance.start),
    start: period.from,
    end,
    partial,
    timezone: time.timezone,
    generatedAt: ctx.clock.now(),
    ...figures,
    counts: [...period.counts.values()].sort((a, b) => a.source.localeCompare(b.source, "zh-CN", { numeric: true })),
    events: period.events,
    eventsNotListed: period.eventsNotListed,
    raw: period.raw,
    rawNotKept: period.rawNotKept,
  };
  const folder = ctx.dataDir();
  const stem = join(folder, `${data.date}-${fileSafe(name)}`);
  const files = { html: `${stem}.html`, csv: `${stem}.csv`, xlsx: `${stem}.xlsx` };
  const totals = totalsOf(data);
  s.writing = s.writing.then(async () => {
    try {
      // ECharts and exceljs take a second to load: an APP pays it at its first report, not at start.
      const [{ reportHtml }, { reportCsv, reportXlsx }] = await Promise.all([import("./page.ts"), import("./tables.ts")]);
      const html = reportHtml(data, time);
      const csv = reportCsv(data, time);
      const xlsx = await reportXlsx(data, time);
      mkdirSync(folder, { recursive: true });
      await writeAtomically(files.html, html);
      await writeAtomically(files.csv, csv);
      await writeAtomically(files.xlsx, xlsx);
    } catch (error) {
      failed(ctx, files.html, error);
      return;
    }
    ctx.metrics.gauge("renderMs", Math.round(performance.now() - startedRender));
    ctx.metrics.count("written");
    ctx.log.info({ en: `wrote the ${partial ? "partial " : ""}report ${files.html}`, "zh-CN": `已写出${partial ? "部分" : ""}报表 ${files.html}` });
    ctx.emit("report", {
      period: name, date: data.date, start: data.start, end, partial, timezone: time.timezone, files, totals,
    }, { ts: end, quality: "good" });
  });
}

function failed(ctx: Context, path: string, error: unknown): void {
  const text = error instanceof Error ? error.message : String(error);
  ctx.metrics.count("failed");
  ctx.log.error({ en: `could not write the report ${path}: ${text}`, "zh-CN": `无法写出报表 ${path}：${text}` });
}
