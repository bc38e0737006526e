import { defineBlock, numberIn, type BlockContext, type TimerHandle } from "../../runtime/block.ts";

interface Config {
  sizeMs: number;
  alignToMs?: number;
  emitEmpty?: boolean;
}

/** What the block sends for each window; `start` and `end` are epoch milliseconds, end exclusive. */
export interface WindowResult {
  start: number;
  end: number;
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  sum: number;
  first: number | null;
  last: number | null;
  partial: boolean;
}

interface State {
  /** Start of the open window; NaN before the first message. */
  start: number;
  count: number;
  min: number;
  max: number;
  sum: number;
  first: number;
  last: number;
  lastTs: number;
  /** End of the last window sent; a value before it is late. */
  closedEnd: number;
  timer: TimerHandle | undefined;
}

type Context = BlockContext<Config, State>;

/** With emitEmpty, a gap longer than this many windows is reported once instead of window by window. */
export const MAX_EMPTY_WINDOWS = 10_000;

export default defineBlock<Config, State>({
  createState: () => ({ start: Number.NaN, count: 0, min: 0, max: 0, sum: 0, first: 0, last: 0, lastTs: 0, closedEnd: Number.NEGATIVE_INFINITY, timer: undefined }),

  onMessage(_port, msg, ctx) {
    const value = numberIn(msg, ctx, true);
    if (value === undefined) return;
    const s = ctx.state;
    const ts = msg.ts;
    if (!(ts >= s.start)) {
      if (Number.isNaN(s.start) && ts >= s.closedEnd) open(ctx, windowStart(ctx.config, ts));
      else return late(ctx, ts);
    } else if (ts >= s.start + ctx.config.sizeMs) {
      const next = windowStart(ctx.config, ts);
      close(ctx, false);
      if (ctx.config.emitEmpty === true) emitEmptyUntil(ctx, next);
      open(ctx, next);
    }
    if (s.count === 0) {
      s.min = s.max = s.first = value;
    } else {
      if (value < s.min) s.min = value;
      if (value > s.max) s.max = value;
    }
    s.count++;
    s.sum += value;
    s.last = value;
    s.lastTs = ts;
  },

  stop(ctx) {
    const s = ctx.state;
    clearTimer(ctx);
    if (Number.isNaN(s.start) || s.count === 0) return;
    const end = s.start + ctx.config.sizeMs;
    // The time of stop, but never before the window's last message nor at or after its end.
    const ts = Math.min(end - 1, Math.max(s.lastTs, ctx.clock.now()));
    ctx.emit("out", result(s, end, true), { ts });
    s.start = Number.NaN;
  },
});

/** Windows are [alignToMs + k·sizeMs, alignToMs + (k+1)·sizeMs) on the message's time. */
function windowStart(config: Config, ts: number): number {
  const align = config.alignToMs ?? 0;
  return Math.floor((ts - align) / config.sizeMs) * config.sizeMs + align;
}

function open(ctx: Context, start: number): void {
  const s = ctx.state;
  s.start = start;
  s.count = 0;
  s.sum = 0;
  armTimer(ctx, start + ctx.config.sizeMs);
}

/** Closes the open window at its end on ctx.clock, so a source that falls silent still gets it. */
function armTimer(ctx: Context, end: number): void {
  clearTimer(ctx);
  ctx.state.timer = ctx.clock.setTimeout(() => {
    ctx.state.timer = undefined;
    onTimer(ctx, end);
  }, end - ctx.clock.now());
}

function onTimer(ctx: Context, end: number): void {
  const s = ctx.state;
  if (s.start + ctx.config.sizeMs !== end) return;
  const emitEmpty = ctx.config.emitEmpty === true;
  if (s.count > 0 || emitEmpty) close(ctx, false);
  // With emitEmpty the next window is open (and timed) at once; without, the next message opens it.
  if (emitEmpty) open(ctx, end);
  else s.start = Number.NaN;
}

function close(ctx: Context, partial: boolean): void {
  const s = ctx.state;
  const end = s.start + ctx.config.sizeMs;
  clearTimer(ctx);
  s.closedEnd = end;
  if (s.count > 0 || ctx.config.emitEmpty === true) ctx.emit("out", result(s, end, partial), { ts: end });
}

function emitEmptyUntil(ctx: Context, next: number): void {
  const s = ctx.state;
  const size = ctx.config.sizeMs;
  let start = s.start + size;
  const missing = (next - start) / size;
  if (missing > MAX_EMPTY_WINDOWS) {
    ctx.log.warn(
      { en: `no values for ${missing} windows: sent one empty window for the whole gap`, "zh-CN": `${missing} 个窗口内没有数值：整个间隔只输出一个空窗口` },
      { from: start, to: next },
    );
    ctx.emit("out", empty(start, next), { ts: next });
    return;
  }
  for (; start < next; start += size) ctx.emit("out", empty(start, start + size), { ts: start + size });
}

function late(ctx: Context, ts: number): void {
  ctx.metrics.count("late");
  ctx.log.warn(
    { en: `ignored a value for a window already closed (ts ${ts})`, "zh-CN": `忽略了属于已关闭窗口的数值（ts ${ts}）` },
    { ts, windowStart: ctx.state.start },
  );
}

function result(s: State, end: number, partial: boolean): WindowResult {
  if (s.count === 0) return { ...empty(s.start, end), partial };
  return {
    start: s.start, end, count: s.count, min: s.min, max: s.max, mean: s.sum / s.count, sum: s.sum,
    first: s.first, last: s.last, partial,
  };
}

function empty(start: number, end: number): WindowResult {
  return { start, end, count: 0, min: null, max: null, mean: null, sum: 0, first: null, last: null, partial: false };
}

function clearTimer(ctx: Context): void {
  if (ctx.state.timer !== undefined) ctx.clock.clear(ctx.state.timer);
  ctx.state.timer = undefined;
}

