import { defineBlock, numberIn, type BlockContext, type Message, type TimerHandle } from "../../runtime/block.ts";
import { calendarShifts, utcDays, type ShiftFinder, type ShiftInstance } from "../../runtime/calendar.ts";

interface Config {
  machine: string;
  idealCycleTimeS: number;
  plannedStopStates?: readonly string[];
}

/**
 * One shift report, sent on `out` when a shift ends or the APP stops; `partial` when it does not cover
 * the whole shift. The report block and the OEE benchmark read it with this type.
 */
export interface OeeReport {
  machine: string;
  shift: string;
  start: number;
  end: number;
  partial: boolean;
  plannedBusyTimeS: number;
  actualProductionTimeS: number;
  downtimeS: number;
  good: number;
  scrap: number;
  total: number;
  availability: number;
  performance: number;
  quality: number;
  oee: number;
  /** Longest first. */
  downtimeReasons: DowntimeReason[];
}

/** A shift's downtime in one state for one reason ("" when none was given). */
export interface DowntimeReason {
  state: string;
  reason: string;
  seconds: number;
  stops: number;
}

/** Downtime of one state and reason within a shift. */
interface StopTally {
  state: string;
  reason: string;
  ms: number;
  stops: number;
}

interface State {
  finder: ShiftFinder | undefined;
  plannedStops: ReadonlySet<string>;
  /** The machine state now; undefined until the first state message (counted as not running). */
  current: string | undefined;
  /** Time has been accounted for up to here (ms). */
  cursor: number;
  /** The shift being accounted; undefined between shifts. */
  shift: ShiftInstance | undefined;
  /** Where the accounting of `shift` began: its start, or later when the block started inside it. */
  from: number;
  busyMs: number;
  runningMs: number;
  good: number;
  scrap: number;
  /** The reason given for the current stop ("" when none), and the stop time per state and reason. */
  reason: string;
  stops: Map<string, StopTally>;
  /** The stop last accounted time to; a new one counts as one more stop. */
  lastStop: string | undefined;
  timer: TimerHandle | undefined;
  timerDue: number;
  warnedPerformance: boolean;
}


export default defineBlock<Config, State>({
  createState: (config) => ({
    finder: undefined, plannedStops: new Set(config.plannedStopStates ?? []), current: undefined,
    cursor: 0, shift: undefined, from: 0, busyMs: 0, runningMs: 0, good: 0, scrap: 0,
    reason: "", stops: new Map(), lastStop: undefined, timer: undefined, timerDue: Number.NaN, warnedPerformance: false,
  }),

  start(ctx) {
    const s = ctx.state;
    s.finder = ctx.site.calendar === undefined ? utcDays : calendarShifts(ctx.site.calendar);
    s.cursor = ctx.clock.now();
    schedule(ctx);
  },

  onMessage(port, msg, ctx) {
    const s = ctx.state;
    advance(ctx, msg.ts);
    if (port === "state") {
      const state = stateIn(msg, ctx);
      if (state !== undefined) s.current = state;
    } else if (port === "reason") {
      s.reason = reasonIn(msg.value);
    } else {
      const count = numberIn(msg, ctx, true);
      if (count === undefined) return;
      if (count < 0) {
        ctx.log.warn({ en: `ignored a negative count on ${port}: ${count}`, "zh-CN": `忽略了 ${port} 上的负数计数：${count}` }, { source: msg.source });
        ctx.metrics.count("invalid");
        return;
      }
      if (port === "good") s.good += count;
      else if (port === "scrap") s.scrap += count;
    }
    schedule(ctx);
  },

  stop(ctx) {
    const s = ctx.state;
    if (s.timer !== undefined) ctx.clock.clear(s.timer);
    s.timer = undefined;
    const at = Math.max(s.cursor, ctx.clock.now());
    advance(ctx, at);
    if (s.shift !== undefined && at > s.from) report(ctx, s.shift, at, true);
  },
});

/** The state from machine-state's `{ state, ... }`, or a plain state text. */
function stateIn(msg: Message, ctx: BlockContext<Config, State>): string | undefined {
  const value = msg.value;
  const state = typeof value === "string" ? value
    : typeof value === "object" && value !== null && typeof (value as { state?: unknown }).state === "string" ? (value as { state: string }).state
    : undefined;
  if (state !== undefined && state !== "") return state;
  const shown = value === null ? "null" : typeof value === "object" ? "an object without a state" : typeof value;
  ctx.log.warn({ en: `ignored a state message that has no state: ${shown}`, "zh-CN": `忽略了没有状态的状态消息：${shown}` }, { source: msg.source });
  ctx.metrics.count("invalid");
  return undefined;
}

/** A reason code or text; an empty one (the machine runs again) clears it. */
function reasonIn(value: unknown): string {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number") return String(value);
  if (typeof value === "object" && value !== null) {
    const { code, reason } = value as { code?: unknown; reason?: unknown };
    if (typeof code === "string" || typeof code === "number") return String(code);
    if (typeof reason === "string") return reason;
  }
  return "";
}

/** Adds `ms` of downtime in the current state to its reason's tally. */
function tallyStop(s: State, ms: number): void {
  const state = s.current ?? "unknown";
  if (state === "running") {
    s.lastStop = undefined;
    return;
  }
  const key = `${state}\u0000${s.reason}`;
  let tally = s.stops.get(key);
  if (tally === undefined) s.stops.set(key, (tally = { state, reason: s.reason, ms: 0, stops: 0 }));
  if (s.lastStop !== key && ms > 0) tally.stops++;
  if (ms > 0) s.lastStop = key;
  tally.ms += ms;
}

/** Accounts time from the cursor up to `to`, reporting every shift that ends on the way. */
function advance(ctx: BlockContext<Config, State>, to: number): void {
  const s = ctx.state;
  const finder = s.finder;
  if (finder === undefined) return;
  while (s.cursor < to) {
    if (s.shift === undefined) {
      const next = finder(s.cursor);
      if (next.start > s.cursor) {
        // Between shifts: no planned time. The state keeps, counts wait for the next shift.
        s.cursor = Math.min(to, next.start);
        continue;
      }
      s.shift = next;
      s.from = s.cursor;
    }
    const shift = s.shift;
    const until = Math.min(to, shift.end);
    const planned = (until - s.cursor) - overlap(shift.breaks, s.cursor, until);
    const state = s.current;
    if (state === undefined || !s.plannedStops.has(state)) {
      s.busyMs += planned;
      if (state === "running") s.runningMs += planned;
      tallyStop(s, planned);
    }
    s.cursor = until;
    if (until === shift.end) {
      report(ctx, shift, shift.end, s.from > shift.start);
      s.shift = undefined;
    }
  }
}

function overlap(breaks: ReadonlyArray<readonly [number, number]>, from: number, to: number): number {
  let sum = 0;
  for (const [a, b] of breaks) {
    const lo = Math.max(a, from);
    const hi = Math.min(b, to);
    if (hi > lo) sum += hi - lo;
  }
  return sum;
}

function report(ctx: BlockContext<Config, State>, shift: ShiftInstance, end: number, partial: boolean): void {
  const s = ctx.state;
  const busyS = s.busyMs / 1000;
  const runningS = s.runningMs / 1000;
  const total = s.good + s.scrap;
  const availability = busyS > 0 ? runningS / busyS : 0;
  let performance = runningS > 0 ? (ctx.config.idealCycleTimeS * total) / runningS : 0;
  if (performance > 1) {
    if (!s.warnedPerformance) {
      s.warnedPerformance = true;
      ctx.log.warn({
        en: `performance above 1 (${round(performance)}) in shift ${shift.name}: is idealCycleTimeS (${ctx.config.idealCycleTimeS}) too long? Reported as 1`,
        "zh-CN": `班次 ${shift.name} 的性能开动率超过 1（${round(performance)}）：理想节拍 idealCycleTimeS（${ctx.config.idealCycleTimeS}）是否设得过长？按 1 输出`,
      });
    }
    ctx.metrics.count("performanceOver1");
    performance = 1;
  }
  const quality = total > 0 ? s.good / total : 0;
  ctx.emit("out", {
    machine: ctx.config.machine,
    shift: shift.name,
    start: s.from,
    end,
    partial,
    plannedBusyTimeS: seconds(s.busyMs),
    actualProductionTimeS: seconds(s.runningMs),
    downtimeS: seconds(s.busyMs - s.runningMs),
    good: s.good,
    scrap: s.scrap,
    total,
    availability: round(availability),
    performance: round(performance),
    quality: round(quality),
    oee: round(availability * performance * quality),
    downtimeReasons: [...s.stops.values()].filter((t) => t.ms > 0).sort((a, b) => b.ms - a.ms)
      .map((t) => ({ state: t.state, reason: t.reason, seconds: seconds(t.ms), stops: t.stops })),
  } satisfies OeeReport, { ts: end, quality: "good" });
  s.stops.clear();
  s.lastStop = undefined;
  s.busyMs = 0;
  s.runningMs = 0;
  s.good = 0;
  s.scrap = 0;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const seconds = (ms: number) => Math.round(ms) / 1000;

/** Keeps one timer at the end of the shift being accounted, or of the next one. */
function schedule(ctx: BlockContext<Config, State>): void {
  const s = ctx.state;
  if (s.finder === undefined) return;
  const due = (s.shift ?? s.finder(s.cursor)).end;
  if (due === s.timerDue && s.timer !== undefined) return;
  if (s.timer !== undefined) ctx.clock.clear(s.timer);
  s.timerDue = due;
  s.timer = ctx.clock.setTimeout(() => {
    s.timer = undefined;
    advance(ctx, Math.max(s.cursor, ctx.clock.now(), due));
    schedule(ctx);
  }, Math.max(0, due - ctx.clock.now()));
}
