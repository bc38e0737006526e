import { defineBlock, goodNumberIn, type BlockContext } from "../../runtime/block.ts";

interface Config {
  limit: number;
  direction?: "rising" | "falling";
  windowMs?: number;
  minSamples?: number;
  warnWithinMs?: number;
  minSlopePerHour?: number;
  clearFactor?: number;
  emitEveryMs?: number;
}

/** What `trend` sends; times to the limit are from the newest sample's timestamp. */
export interface TrendResult {
  /** The newest sample. */
  value: number;
  /** The fitted line at the newest sample's time: what the estimate starts from. */
  fitted: number;
  slopePerHour: number;
  /** How well a straight line explains the window, 0..1; null when every sample is the same value. */
  r2: number | null;
  /** 0 once the fitted value has reached the limit; null while the trend is flat or moving away. */
  timeToLimitS: number | null;
  /** When the line reaches the limit, in epoch milliseconds; null with timeToLimitS. */
  etaTs: number | null;
  samples: number;
}

/** What `warning` sends when the warning is raised (active) and when it clears. */
export interface TrendWarning {
  active: boolean;
  value: number;
  fitted: number;
  limit: number;
  slopePerHour: number;
  timeToLimitS: number | null;
  etaTs: number | null;
  message: { en: string; "zh-CN": string };
}

const DEFAULTS = {
  direction: "rising",
  windowMs: 600_000,
  minSamples: 10,
  warnWithinMs: 3_600_000,
  minSlopePerHour: 0,
  clearFactor: 1.5,
  emitEveryMs: 60_000,
} as const;

/** More samples than this in one window (16 bytes each) push the oldest out early, so a fast signal cannot fill a small box's memory. */
export const MAX_SAMPLES = 100_000;

const MS_PER_HOUR = 3_600_000;

interface Settings {
  limit: number;
  rising: boolean;
  windowMs: number;
  minSamples: number;
  warnWithinMs: number;
  minSlopePerMs: number;
  clearFactor: number;
  emitEveryMs: number;
}

/**
 * The samples in the window, oldest first, in a ring that grows as needed, and the running sums
 * of the least-squares fit. Times and values are kept relative to an anchor sample so that the
 * sums stay small and the centred terms do not cancel; the sums are rebuilt from the samples with
 * a new anchor each time a whole window has gone by, which also discards the rounding left by
 * subtracting the samples that left. Every sample present at a rebuild arrived since the last
 * one, so the rebuild costs O(1) per message, amortised.
 */
interface State {
  settings: Settings;
  times: Float64Array;
  values: Float64Array;
  head: number;
  n: number;
  anchorT: number;
  anchorV: number;
  sx: number;
  sy: number;
  sxx: number;
  sxy: number;
  syy: number;
  newestTs: number;
  lastTrendTs: number;
  active: boolean;
  warnedFull: boolean;
}

type Context = BlockContext<Config, State>;

interface Fit {
  fitted: number;
  /** Per millisecond. */
  slope: number;
  r2: number | null;
}

export default defineBlock<Config, State>({
  createState: (config) => ({
    settings: settingsOf(config),
    times: new Float64Array(64),
    values: new Float64Array(64),
    head: 0, n: 0, anchorT: 0, anchorV: 0,
    sx: 0, sy: 0, sxx: 0, sxy: 0, syy: 0,
    newestTs: Number.NEGATIVE_INFINITY,
    lastTrendTs: Number.NEGATIVE_INFINITY,
    active: false,
    warnedFull: false,
  }),

  onMessage(_port, msg, ctx) {
    const value = goodNumberIn(msg, ctx);
    if (value === undefined) return;
    const s = ctx.state;
    if (msg.ts < s.newestTs) return late(ctx, msg.ts);
    s.newestTs = msg.ts;
    add(ctx, msg.ts, value);
    const fit = fitLine(s);
    if (fit === undefined) return;
    const settings = s.settings;
    const timeToLimitMs = timeToLimit(settings, fit);
    const etaTs = timeToLimitMs === null ? null : Math.round(msg.ts + timeToLimitMs);
    const timeToLimitS = timeToLimitMs === null ? null : timeToLimitMs / 1000;
    const slopePerHour = fit.slope * MS_PER_HOUR;
    const options = { ts: msg.ts, quality: msg.quality };

    if (msg.ts - s.lastTrendTs >= settings.emitEveryMs) {
      s.lastTrendTs = msg.ts;
      const trend: TrendResult = { value, fitted: fit.fitted, slopePerHour, r2: fit.r2, timeToLimitS, etaTs, samples: s.n };
      ctx.emit("trend", trend, options);
    }

    const next = s.active ? !clears(settings, timeToLimitMs) : raises(settings, fit, timeToLimitMs);
    if (next === s.active) return;
    s.active = next;
    const message = warningText(settings, next, fit, timeToLimitMs);
    ctx.metrics.count(next ? "raised" : "cleared");
    ctx.log.info(message, { value, fitted: fit.fitted, slopePerHour, timeToLimitS });
    const warning: TrendWarning = { active: next, value, fitted: fit.fitted, limit: settings.limit, slopePerHour, timeToLimitS, etaTs, message };
    ctx.emit("warning", warning, options);
  },
});

function settingsOf(config: Readonly<Config>): Settings {
  return {
    limit: config.limit,
    rising: (config.direction ?? DEFAULTS.direction) === "rising",
    windowMs: config.windowMs ?? DEFAULTS.windowMs,
    minSamples: Math.max(2, config.minSamples ?? DEFAULTS.minSamples),
    warnWithinMs: config.warnWithinMs ?? DEFAULTS.warnWithinMs,
    minSlopePerMs: (config.minSlopePerHour ?? DEFAULTS.minSlopePerHour) / MS_PER_HOUR,
    clearFactor: config.clearFactor ?? DEFAULTS.clearFactor,
    emitEveryMs: config.emitEveryMs ?? DEFAULTS.emitEveryMs,
  };
}

function add(ctx: Context, ts: number, value: number): void {
  const s = ctx.state;
  const cutoff = ts - s.settings.windowMs;
  while (s.n > 0 && s.times[s.head]! <= cutoff) removeOldest(s);
  if (s.n === MAX_SAMPLES) {
    removeOldest(s);
    if (!s.warnedFull) {
      s.warnedFull = true;
      ctx.log.warn({
        en: `more than ${MAX_SAMPLES} samples in the window: the oldest leave early, so the trend covers less than windowMs`,
        "zh-CN": `窗口内样本超过 ${MAX_SAMPLES} 个：最早的样本提前移出，趋势覆盖的时长短于 windowMs`,
      }, { windowMs: s.settings.windowMs });
    }
  }
  if (s.n === 0) {
    s.anchorT = ts;
    s.anchorV = value;
    s.sx = s.sy = s.sxx = s.sxy = s.syy = 0;
  }
  if (s.n === s.times.length) grow(s);
  const index = (s.head + s.n) % s.times.length;
  s.times[index] = ts;
  s.values[index] = value;
  s.n++;
  accumulate(s, ts, value, 1);
  if (s.times[s.head]! - s.anchorT > s.settings.windowMs) rebuild(s);
}

function removeOldest(s: State): void {
  accumulate(s, s.times[s.head]!, s.values[s.head]!, -1);
  s.head = (s.head + 1) % s.times.length;
  s.n--;
}

function accumulate(s: State, ts: number, value: number, sign: 1 | -1): void {
  const x = ts - s.anchorT;
  const y = value - s.anchorV;
  s.sx += sign * x;
  s.sy += sign * y;
  s.sxx += sign * x * x;
  s.sxy += sign * x * y;
  s.syy += sign * y * y;
}

function rebuild(s: State): void {
  const size = s.times.length;
  s.anchorT = s.times[s.head]!;
  s.anchorV = s.values[s.head]!;
  s.sx = s.sy = s.sxx = s.sxy = s.syy = 0;
  for (let i = 0; i < s.n; i++) {
    const index = (s.head + i) % size;
    accumulate(s, s.times[index]!, s.values[index]!, 1);
  }
}

function grow(s: State): void {
  const size = Math.min(s.times.length * 2, MAX_SAMPLES);
  const times = new Float64Array(size);
  const values = new Float64Array(size);
  for (let i = 0; i < s.n; i++) {
    const index = (s.head + i) % s.times.length;
    times[i] = s.times[index]!;
    values[i] = s.values[index]!;
  }
  s.times = times;
  s.values = values;
  s.head = 0;
}

/**
 * Least squares over the window; undefined until there are minSamples samples covering at least
 * half the window, since a line through a few seconds of a noisy signal can point anywhere.
 */
function fitLine(s: State): Fit | undefined {
  const n = s.n;
  if (n < s.settings.minSamples) return undefined;
  const newest = s.times[(s.head + n - 1) % s.times.length]!;
  if (newest - s.times[s.head]! < s.settings.windowMs / 2) return undefined;
  const meanX = s.sx / n;
  const meanY = s.sy / n;
  const cxx = s.sxx - s.sx * meanX;
  const cxy = s.sxy - s.sx * meanY;
  const cyy = s.syy - s.sy * meanY;
  const slope = cxy / cxx;
  const fitted = s.anchorV + meanY + slope * (newest - s.anchorT - meanX);
  const r2 = cyy > 0 ? Math.min(1, Math.max(0, (cxy * cxy) / (cxx * cyy))) : null;
  return { fitted, slope, r2 };
}

/** Milliseconds until the line reaches the limit: 0 once there, null while flat or moving away. */
function timeToLimit(settings: Settings, fit: Fit): number | null {
  const gap = settings.rising ? settings.limit - fit.fitted : fit.fitted - settings.limit;
  if (gap <= 0) return 0;
  const toward = settings.rising ? fit.slope : -fit.slope;
  const ms = gap / toward;
  // A slope too flat to reach the limit in any number of milliseconds is no approach.
  return toward > 0 && Number.isFinite(ms) ? ms : null;
}

/** Raised once the limit is reached, or when a trend at least minSlopePerHour steep reaches it within warnWithinMs. */
function raises(settings: Settings, fit: Fit, timeToLimitMs: number | null): boolean {
  if (timeToLimitMs === null) return false;
  if (timeToLimitMs === 0) return true;
  const toward = settings.rising ? fit.slope : -fit.slope;
  return timeToLimitMs <= settings.warnWithinMs && toward >= settings.minSlopePerMs;
}

/** Cleared only when the trend turns flat or away, or the limit moves clearFactor × warnWithinMs off, so an estimate wavering near warnWithinMs does not chatter. */
function clears(settings: Settings, timeToLimitMs: number | null): boolean {
  if (timeToLimitMs === null) return true;
  return timeToLimitMs > settings.warnWithinMs * settings.clearFactor;
}

function warningText(settings: Settings, active: boolean, fit: Fit, timeToLimitMs: number | null): { en: string; "zh-CN": string } {
  const limit = shown(settings.limit);
  if (active && timeToLimitMs === 0) {
    return { en: `at or beyond the limit ${limit}: trend value ${shown(fit.fitted)}`, "zh-CN": `已达到或越过限值 ${limit}：趋势值 ${shown(fit.fitted)}` };
  }
  if (active && timeToLimitMs !== null) {
    const within = duration(timeToLimitMs);
    const perHour = shown(Math.abs(fit.slope * MS_PER_HOUR));
    return settings.rising
      ? { en: `rising toward the limit ${limit}: reaches it in about ${within.en} (${perHour} per hour)`, "zh-CN": `正在上升并趋近限值 ${limit}：预计约 ${within.zh}后达到（每小时上升 ${perHour}）` }
      : { en: `falling toward the limit ${limit}: reaches it in about ${within.en} (${perHour} per hour)`, "zh-CN": `正在下降并趋近限值 ${limit}：预计约 ${within.zh}后达到（每小时下降 ${perHour}）` };
  }
  if (timeToLimitMs === null) {
    return { en: `no longer approaching the limit ${limit}: the trend has levelled off or turned away`, "zh-CN": `不再趋近限值 ${limit}：趋势已平缓或反向` };
  }
  const within = duration(timeToLimitMs);
  return { en: `no longer approaching the limit ${limit} soon: about ${within.en} to go`, "zh-CN": `短期内不会达到限值 ${limit}：预计还需约 ${within.zh}` };
}

function duration(ms: number): { en: string; zh: string } {
  const s = ms / 1000;
  if (s < 90) return { en: `${Math.max(1, Math.round(s))} s`, zh: `${Math.max(1, Math.round(s))} 秒` };
  if (s < 5400) return { en: `${Math.round(s / 60)} min`, zh: `${Math.round(s / 60)} 分钟` };
  if (s < 172_800) return { en: `${shown(s / 3600, 2)} h`, zh: `${shown(s / 3600, 2)} 小时` };
  return { en: `${shown(s / 86_400, 2)} days`, zh: `${shown(s / 86_400, 2)} 天` };
}

/** A number as an operator reads it: a few significant digits, no trailing zeros. */
function shown(value: number, digits = 4): string {
  return String(Number(value.toPrecision(digits)));
}

function late(ctx: Context, ts: number): void {
  ctx.metrics.count("late");
  ctx.log.warn({
    en: `ignored a value older than the newest one (ts ${ts}): the trend needs values in time order`,
    "zh-CN": `忽略了早于最新数值的输入（ts ${ts}）：趋势计算要求数值按时间顺序到达`,
  }, { ts, newestTs: ctx.state.newestTs });
}
