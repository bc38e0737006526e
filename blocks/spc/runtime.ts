import { defineBlock, goodNumberIn, type BlockContext, type Message, type Quality } from "../../runtime/block.ts";

export type ChartKind = "individuals" | "xbar-r";
export type RuleName = "WE1" | "WE2" | "WE3" | "WE4" | "N1" | "N2" | "N3" | "N4" | "N5" | "N6" | "N7" | "N8" | "R1";
export type Zone = "C" | "B" | "A" | "beyond";

/** Center line and control limits of one chart. */
export interface Lines {
  center: number;
  ucl: number;
  lcl: number;
}

interface Config {
  chart?: ChartKind;
  subgroupSize?: number;
  baselineSubgroups?: number;
  limits?: Lines & { range?: { center: number; ucl: number; lcl?: number } };
  rules?: RuleName[];
}

/** The `limits` message: what the baseline estimated, frozen from then on. */
export interface EstimatedLimits extends Lines {
  source: "baseline";
  chart: ChartKind;
  subgroupSize?: number;
  /** The process standard deviation the limits stand for: R̄/d2 (MR̄/1.128 on an individuals chart). */
  sigma: number;
  range: Lines;
  baselinePoints: number;
}

/** The `point` message. Baseline points have null limits and zone: the limits do not exist yet. */
export interface SpcPoint {
  chart: "xbar" | "individuals";
  index: number;
  phase: "baseline" | "monitoring";
  value: number;
  center: number | null;
  ucl: number | null;
  lcl: number | null;
  zone: Zone | null;
  /** The subgroup's range, or the moving range to the previous measurement (none on the very first). */
  range?: { chart: "range" | "moving-range"; value: number; center: number | null; ucl: number | null; lcl: number | null };
  violations: RuleName[];
}

/** The `violation` message. */
export interface SpcViolation {
  rule: RuleName;
  chart: "xbar" | "individuals" | "range" | "moving-range";
  description: { en: string; "zh-CN": string };
  value: number;
  index: number;
  /** Indexes of the points that make up the pattern, oldest first, ending with `index`. */
  points: number[];
  phase: "baseline" | "monitoring";
}

/**
 * Shewhart constants for subgroups of n = 2..10 (Montgomery, Introduction to Statistical Quality
 * Control, Appendix VI; ASTM STP 15D): X̄ limits x̿ ± A2·R̄, R limits D3·R̄ and D4·R̄, σ = R̄/d2.
 */
export const CONSTANTS: Readonly<Record<number, { A2: number; D3: number; D4: number; d2: number }>> = {
  2: { A2: 1.88, D3: 0, D4: 3.267, d2: 1.128 },
  3: { A2: 1.023, D3: 0, D4: 2.574, d2: 1.693 },
  4: { A2: 0.729, D3: 0, D4: 2.282, d2: 2.059 },
  5: { A2: 0.577, D3: 0, D4: 2.114, d2: 2.326 },
  6: { A2: 0.483, D3: 0, D4: 2.004, d2: 2.534 },
  7: { A2: 0.419, D3: 0.076, D4: 1.924, d2: 2.704 },
  8: { A2: 0.373, D3: 0.136, D4: 1.864, d2: 2.847 },
  9: { A2: 0.337, D3: 0.184, D4: 1.816, d2: 2.97 },
  10: { A2: 0.308, D3: 0.223, D4: 1.777, d2: 3.078 },
};

/** Individuals chart: X̄ ± 2.66·MR̄ (3/d2 for n = 2), moving-range UCL 3.267·MR̄ (D4 for n = 2). */
export const E2 = 2.66;
export const MR_D4 = 3.267;

export const RULES: readonly RuleName[] = ["WE1", "WE2", "WE3", "WE4", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "R1"];

const DESCRIPTIONS: Record<RuleName, { en: string; "zh-CN": string }> = {
  WE1: { en: "one point beyond 3σ (outside the control limits)", "zh-CN": "1 个点落在 3σ 之外（超出控制限）" },
  WE2: { en: "two of three points in a row beyond 2σ on the same side", "zh-CN": "连续 3 点中有 2 点落在中心线同一侧 2σ 之外" },
  WE3: { en: "four of five points in a row beyond 1σ on the same side", "zh-CN": "连续 5 点中有 4 点落在中心线同一侧 1σ 之外" },
  WE4: { en: "eight points in a row on the same side of the center line", "zh-CN": "连续 8 点落在中心线同一侧" },
  N1: { en: "one point beyond 3σ (outside the control limits)", "zh-CN": "1 个点落在 3σ 之外（超出控制限）" },
  N2: { en: "nine points in a row on the same side of the center line", "zh-CN": "连续 9 点落在中心线同一侧" },
  N3: { en: "six points in a row steadily increasing or decreasing", "zh-CN": "连续 6 点持续上升或下降" },
  N4: { en: "fourteen points in a row alternating up and down", "zh-CN": "连续 14 点交替上下" },
  N5: { en: "two of three points in a row beyond 2σ on the same side", "zh-CN": "连续 3 点中有 2 点落在中心线同一侧 2σ 之外" },
  N6: { en: "four of five points in a row beyond 1σ on the same side", "zh-CN": "连续 5 点中有 4 点落在中心线同一侧 1σ 之外" },
  N7: { en: "fifteen points in a row within 1σ of the center line", "zh-CN": "连续 15 点落在中心线两侧 1σ 以内" },
  N8: { en: "eight points in a row beyond 1σ, on either side", "zh-CN": "连续 8 点落在中心线两侧 1σ 之外" },
  R1: { en: "range above its upper control limit", "zh-CN": "极差超出其上控制限" },
};
const MOVING_RANGE_R1 = Object.freeze({ en: "moving range above its upper control limit", "zh-CN": "移动极差超出其上控制限" });
// Shared by every violation message, which the engine freezes only at the top.
for (const text of Object.values(DESCRIPTIONS)) Object.freeze(text);

const BIT: Record<RuleName, number> = Object.fromEntries(RULES.map((rule, i) => [rule, 1 << i])) as Record<RuleName, number>;
const ZONES: readonly Zone[] = ["C", "B", "A", "beyond"];

/** How many points back (the point itself included) each run rule looks; N5/N6/WE2/WE3 pick theirs from the zones. */
const SPAN: Partial<Record<RuleName, number>> = { WE4: 8, N2: 9, N3: 6, N4: 14, N7: 15, N8: 8 };

/** What a restart needs to continue the rules exactly: run lengths, the last step and the zones of the last 5 points. */
interface TrackerSnapshot {
  run: number;
  trend: number;
  alternating: number;
  lastStep: number;
  within1: number;
  beyond1: number;
  prev: number | null;
  zones: number[];
}

/**
 * The Western Electric and Nelson rules on one chart, point by point, in constant time and
 * memory: run lengths as counters and the zones of the last five points in a ring, so a point
 * costs the same whether the chart holds ten points or ten million.
 */
export class RuleTracker {
  private up1 = 0;
  private up2 = 0;
  private down1 = 0;
  private down2 = 0;
  /** Points in a row on one side of the center line: +k above, −k below. */
  private run = 0;
  /** Steps in a row in one direction: +k rises, −k falls; equal values break it. */
  private trend = 0;
  /** Steps in a row that each reverse the one before. */
  private alternating = 0;
  private lastStep = 0;
  private within1 = 0;
  private beyond1 = 0;
  private prev = Number.NaN;
  /** Zone of the last 5 points, signed: ±1 beyond 1σ, ±2 beyond 2σ, ±3 beyond 3σ, 0 within 1σ. */
  private readonly zones = new Int8Array(5);
  private head = 0;
  private upA = 0;
  private downA = 0;
  private upB = 0;
  private downB = 0;
  /** Zone of the last point added. */
  zone: Zone = "C";

  constructor(private readonly lines: Lines) {
    // σ for the zones is (UCL − center)/3 above the center line and (center − LCL)/3 below it.
    const up = (lines.ucl - lines.center) / 3;
    const down = (lines.center - lines.lcl) / 3;
    this.up1 = lines.center + up;
    this.up2 = lines.center + 2 * up;
    this.down1 = lines.center - down;
    this.down2 = lines.center - 2 * down;
  }

  /** Adds a point; returns the rules it breaks as a bit set of BIT. */
  add(x: number): number {
    const { center, ucl, lcl } = this.lines;
    let side = 0;
    let code = 0;
    if (x > center) {
      side = 1;
      code = x > ucl ? 3 : x > this.up2 ? 2 : x > this.up1 ? 1 : 0;
    } else if (x < center) {
      side = -1;
      code = x < lcl ? -3 : x < this.down2 ? -2 : x < this.down1 ? -1 : 0;
    }
    this.zone = ZONES[code < 0 ? -code : code]!;
    let fired = 0;
    if (code === 3 || code === -3) fired |= BIT.WE1 | BIT.N1;

    const run = (this.run = side === 0 ? 0 : side > 0 ? (this.run > 0 ? this.run + 1 : 1) : this.run < 0 ? this.run - 1 : -1);
    if (run >= 8 || run <= -8) fired |= run >= 9 || run <= -9 ? BIT.WE4 | BIT.N2 : BIT.WE4;

    if (this.prev === this.prev) {
      const step = x > this.prev ? 1 : x < this.prev ? -1 : 0;
      this.trend = step === 0 ? 0 : step > 0 ? (this.trend > 0 ? this.trend + 1 : 1) : this.trend < 0 ? this.trend - 1 : -1;
      this.alternating = step === 0 ? 0 : step === -this.lastStep ? this.alternating + 1 : 1;
      this.lastStep = step;
      if (this.trend >= 5 || this.trend <= -5) fired |= BIT.N3;
      if (this.alternating >= 13) fired |= BIT.N4;
    }
    this.prev = x;

    // The ring holds the last 5 zones: the one 5 back leaves the 5-window, the one 3 back the 3-window.
    const at = this.head;
    const leaving5 = this.zones[at]!;
    const leaving3 = this.zones[(at + 2) % 5]!;
    if (leaving5 >= 1) this.upB--;
    else if (leaving5 <= -1) this.downB--;
    if (leaving3 >= 2) this.upA--;
    else if (leaving3 <= -2) this.downA--;
    this.zones[at] = code;
    this.head = (at + 1) % 5;
    if (code >= 1) this.upB++;
    else if (code <= -1) this.downB++;
    if (code >= 2) this.upA++;
    else if (code <= -2) this.downA++;
    if ((code >= 2 && this.upA >= 2) || (code <= -2 && this.downA >= 2)) fired |= BIT.WE2 | BIT.N5;
    if ((code >= 1 && this.upB >= 4) || (code <= -1 && this.downB >= 4)) fired |= BIT.WE3 | BIT.N6;

    this.within1 = code === 0 ? this.within1 + 1 : 0;
    this.beyond1 = code === 0 ? 0 : this.beyond1 + 1;
    if (this.within1 >= 15) fired |= BIT.N7;
    if (this.beyond1 >= 8) fired |= BIT.N8;
    return fired;
  }

  /** Indexes of the points behind `rule` firing at point `index` (the last one added). */
  pointsOf(rule: RuleName, index: number): number[] {
    const span = SPAN[rule];
    if (span !== undefined) return Array.from({ length: span }, (_, i) => index - span + 1 + i);
    const window = rule === "WE2" || rule === "N5" ? 3 : rule === "WE3" || rule === "N6" ? 5 : 1;
    if (window === 1) return [index];
    const level = window === 3 ? 2 : 1;
    const last = this.zones[(this.head + 4) % 5]!;
    const points: number[] = [];
    for (let age = window - 1; age >= 0; age--) {
      const code = this.zones[(this.head + 4 - age) % 5]!;
      if (last > 0 ? code >= level : code <= -level) points.push(index - age);
    }
    return points;
  }

  snapshot(): TrackerSnapshot {
    const zones: number[] = [];
    for (let i = 0; i < 5; i++) zones.push(this.zones[(this.head + i) % 5]!);
    const { run, trend, alternating, lastStep, within1, beyond1 } = this;
    return { run, trend, alternating, lastStep, within1, beyond1, prev: Number.isNaN(this.prev) ? null : this.prev, zones };
  }

  restore(s: TrackerSnapshot): void {
    ({ run: this.run, trend: this.trend, alternating: this.alternating, lastStep: this.lastStep, within1: this.within1, beyond1: this.beyond1 } = s);
    this.prev = s.prev ?? Number.NaN;
    this.head = 0;
    this.upA = this.downA = this.upB = this.downB = 0;
    s.zones.forEach((code, i) => {
      this.zones[i] = code;
      if (code >= 1) this.upB++;
      else if (code <= -1) this.downB++;
      if (i >= 2 && code >= 2) this.upA++;
      else if (i >= 2 && code <= -2) this.downA++;
    });
  }
}

// --- the block ------------------------------------------------------------------------------

/** What the block keeps in ctx.store under STATE, after every measurement. */
interface Stored {
  /** The config the state belongs to: a chart with other settings starts afresh. */
  key: string;
  index: number;
  limits: (Lines & { range: Lines; sigma: number }) | null;
  tracker: TrackerSnapshot | null;
  /** Individuals: the last measurement, for the next moving range. */
  last: number | null;
  subgroup: { count: number; sum: number; min: number; max: number; uncertain: boolean };
  /** Phase I: the baseline's points and ranges (null for the first individual, which has no moving range). */
  baseline: { values: number[]; ranges: Array<number | null> };
}

interface State {
  stored: Stored;
  tracker: RuleTracker | undefined;
  /** Message time of the last save; NaN before the first. */
  savedTs: number;
  /** Bit set of the rules enabled in the config. */
  enabled: number;
  options: { ts: number; quality: Quality };
}

type Ctx = BlockContext<Config, State>;

const STATE = "state";
/**
 * The state is saved at most once per this much message time (and always when the limits freeze
 * and on stop): a write to the database costs about 20 µs, far more than the rules, and a power
 * cut then loses at most the last second of points from the rule windows, never the limits.
 */
export const SAVE_EVERY_MS = 1000;

export default defineBlock<Config, State>({
  createState: (config) => ({
    stored: fresh(keyOf(config)),
    tracker: undefined,
    savedTs: Number.NaN,
    enabled: (config.rules ?? RULES).reduce((bits, rule) => bits | BIT[rule], 0),
    options: { ts: 0, quality: "good" },
  }),

  start(ctx) {
    const { config } = ctx;
    if (config.limits !== undefined) checkLimits(config.limits);
    const key = keyOf(config);
    const saved = ctx.store.get<Stored>(STATE);
    const s = ctx.state;
    if (saved !== undefined && saved.key === key) {
      s.stored = saved;
    } else {
      if (saved !== undefined) {
        ctx.log.info({ en: "the chart's settings changed: starting a new chart", "zh-CN": "控制图设置已更改：重新开始绘制" });
      }
      s.stored = fresh(key);
      if (config.limits !== undefined) s.stored.limits = givenLimits(config);
    }
    if (s.stored.limits !== null) {
      s.tracker = new RuleTracker(s.stored.limits);
      if (s.stored.tracker !== null) s.tracker.restore(s.stored.tracker);
    }
  },

  onMessage(_port, msg, ctx) {
    const x = goodNumberIn(msg, ctx);
    if (x === undefined) return;
    const stored = ctx.state.stored;
    if ((ctx.config.chart ?? "individuals") === "individuals") {
      const range = stored.last === null ? null : Math.abs(x - stored.last);
      stored.last = x;
      plot(ctx, msg, x, range, msg.quality);
    } else {
      const g = stored.subgroup;
      if (g.count === 0) {
        g.sum = g.min = g.max = x;
        g.uncertain = false;
      } else {
        g.sum += x;
        if (x < g.min) g.min = x;
        if (x > g.max) g.max = x;
      }
      g.count++;
      if (msg.quality === "uncertain") g.uncertain = true;
      if (g.count === (ctx.config.subgroupSize ?? 5)) {
        g.count = 0;
        plot(ctx, msg, g.sum / (ctx.config.subgroupSize ?? 5), g.max - g.min, g.uncertain ? "uncertain" : "good");
      }
    }
    const ts = msg.ts;
    const saved = ctx.state.savedTs;
    if (!(ts >= saved && ts < saved + SAVE_EVERY_MS)) save(ctx, ts);
  },

  stop(ctx) {
    save(ctx, ctx.state.savedTs);
  },
});

function save(ctx: Ctx, ts: number): void {
  const s = ctx.state;
  if (s.tracker !== undefined) s.stored.tracker = s.tracker.snapshot();
  ctx.store.set(STATE, s.stored);
  s.savedTs = ts;
}

function plot(ctx: Ctx, msg: Message, value: number, range: number | null, quality: Quality): void {
  const s = ctx.state;
  const stored = s.stored;
  const index = stored.index++;
  const options = s.options;
  options.ts = msg.ts;
  options.quality = quality;
  ctx.metrics.count("points");
  const chart = (ctx.config.chart ?? "individuals") === "individuals" ? "individuals" : "xbar";
  const rangeChart = chart === "individuals" ? "moving-range" : "range";
  const limits = stored.limits;
  if (limits === null || s.tracker === undefined) {
    const point: SpcPoint = { chart, index, phase: "baseline", value, center: null, ucl: null, lcl: null, zone: null, violations: [] };
    if (range !== null) point.range = { chart: rangeChart, value: range, center: null, ucl: null, lcl: null };
    ctx.emit("point", point, options);
    stored.baseline.values.push(value);
    stored.baseline.ranges.push(range);
    if (stored.baseline.values.length === (ctx.config.baselineSubgroups ?? 25)) {
      closeBaseline(ctx);
      save(ctx, msg.ts);
    }
    return;
  }
  const fired = check(s.tracker, limits, value, range) & s.enabled;
  const violations = fired === 0 ? [] : RULES.filter((rule) => (fired & BIT[rule]) !== 0);
  const point: SpcPoint = {
    chart, index, phase: "monitoring", value, center: limits.center, ucl: limits.ucl, lcl: limits.lcl, zone: s.tracker.zone, violations,
  };
  if (range !== null) point.range = { chart: rangeChart, value: range, ...limits.range };
  ctx.emit("point", point, options);
  if (fired !== 0) emitViolations(ctx, s.tracker, violations, value, range, index, "monitoring");
}

function check(tracker: RuleTracker, limits: Lines & { range: Lines }, value: number, range: number | null): number {
  const fired = tracker.add(value);
  return range !== null && range > limits.range.ucl ? fired | BIT.R1 : fired;
}

function emitViolations(ctx: Ctx, tracker: RuleTracker, rules: RuleName[], value: number, range: number | null, index: number, phase: SpcViolation["phase"]): void {
  const individuals = (ctx.config.chart ?? "individuals") === "individuals";
  for (const rule of rules) {
    const r1 = rule === "R1";
    const violation: SpcViolation = {
      rule,
      chart: r1 ? (individuals ? "moving-range" : "range") : individuals ? "individuals" : "xbar",
      description: r1 && individuals ? MOVING_RANGE_R1 : DESCRIPTIONS[rule],
      value: r1 ? range! : value,
      index,
      points: tracker.pointsOf(rule, index),
      phase,
    };
    ctx.emit("violation", violation, ctx.state.options);
  }
  ctx.metrics.count("violations", rules.length);
}

/** Phase I ends: estimate the limits, freeze them, and check the baseline's own points against them. */
function closeBaseline(ctx: Ctx): void {
  const s = ctx.state;
  const stored = s.stored;
  const { values, ranges } = stored.baseline;
  const individuals = (ctx.config.chart ?? "individuals") === "individuals";
  const n = ctx.config.subgroupSize ?? 5;
  const center = mean(values);
  const rBar = mean(ranges.filter((r): r is number => r !== null));
  const k = individuals ? { A2: E2, D3: 0, D4: MR_D4, d2: CONSTANTS[2]!.d2 } : CONSTANTS[n]!;
  const limits = {
    center, ucl: center + k.A2 * rBar, lcl: center - k.A2 * rBar,
    range: { center: rBar, ucl: k.D4 * rBar, lcl: k.D3 * rBar },
    sigma: rBar / k.d2,
  };
  stored.limits = limits;
  stored.baseline = { values: [], ranges: [] };
  const estimate: EstimatedLimits = {
    source: "baseline", chart: individuals ? "individuals" : "xbar-r", ...(individuals ? {} : { subgroupSize: n }),
    center, ucl: limits.ucl, lcl: limits.lcl, sigma: limits.sigma, range: { ...limits.range }, baselinePoints: values.length,
  };
  ctx.emit("limits", estimate, s.options);
  ctx.log.info(
    { en: `control limits estimated from ${values.length} points and frozen: center ${round(center)}, UCL ${round(limits.ucl)}, LCL ${round(limits.lcl)}`, "zh-CN": `已由 ${values.length} 个点估计并固定控制限：中心线 ${round(center)}，上控制限 ${round(limits.ucl)}，下控制限 ${round(limits.lcl)}` },
    { center, ucl: limits.ucl, lcl: limits.lcl },
  );
  if (!(rBar > 0)) {
    ctx.log.warn({ en: "the baseline shows no variation: every later value off the center line is out of control", "zh-CN": "基线数据没有波动：之后任何偏离中心线的值都将判为失控" });
  }

  // The rules continue from the baseline into monitoring: a run that starts in the baseline counts.
  const tracker = (s.tracker = new RuleTracker(limits));
  let found = 0;
  for (let i = 0; i < values.length; i++) {
    const fired = check(tracker, limits, values[i]!, ranges[i] ?? null) & s.enabled;
    if (fired === 0) continue;
    const rules = RULES.filter((rule) => (fired & BIT[rule]) !== 0);
    found += rules.length;
    emitViolations(ctx, tracker, rules, values[i]!, ranges[i] ?? null, stored.index - values.length + i, "baseline");
  }
  if (found > 0) {
    ctx.log.warn(
      { en: `the baseline itself breaks ${found} rule checks: the limits may include special causes; check the process and restart with a clean baseline`, "zh-CN": `基线数据本身有 ${found} 次判异：控制限可能包含特殊原因，请检查过程并用稳定的基线重新开始` },
      { violations: found },
    );
  }
}

function givenLimits(config: Config): Lines & { range: Lines; sigma: number } {
  const given = config.limits!;
  const individuals = (config.chart ?? "individuals") === "individuals";
  const n = individuals ? 2 : config.subgroupSize ?? 5;
  const k = CONSTANTS[n]!;
  // σ of a point from the limits; the process σ of one measurement is √n times that of a mean.
  const sigmaPoint = (given.ucl - given.lcl) / 6;
  const sigma = individuals ? sigmaPoint : sigmaPoint * Math.sqrt(n);
  const rBar = k.d2 * sigma;
  const range = given.range === undefined
    ? { center: rBar, ucl: (individuals ? MR_D4 : k.D4) * rBar, lcl: (individuals ? 0 : k.D3) * rBar }
    : { center: given.range.center, ucl: given.range.ucl, lcl: given.range.lcl ?? 0 };
  return { center: given.center, ucl: given.ucl, lcl: given.lcl, range, sigma };
}

function checkLimits(limits: NonNullable<Config["limits"]>): void {
  if (!(limits.lcl < limits.center && limits.center < limits.ucl)) {
    throw new Error(
      `limits: need lcl < center < ucl, got lcl ${limits.lcl}, center ${limits.center}, ucl ${limits.ucl} / 控制限：需满足 lcl < center < ucl，当前 lcl ${limits.lcl}、center ${limits.center}、ucl ${limits.ucl}`,
    );
  }
  const range = limits.range;
  if (range !== undefined && !((range.lcl ?? 0) <= range.center && range.center < range.ucl)) {
    throw new Error(
      `limits.range: need lcl ≤ center < ucl, got lcl ${range.lcl ?? 0}, center ${range.center}, ucl ${range.ucl} / 极差控制限：需满足 lcl ≤ center < ucl，当前 lcl ${range.lcl ?? 0}、center ${range.center}、ucl ${range.ucl}`,
    );
  }
}

function keyOf(config: Config): string {
  const chart = config.chart ?? "individuals";
  return JSON.stringify([chart, chart === "xbar-r" ? config.subgroupSize ?? 5 : 1, config.limits ?? config.baselineSubgroups ?? 25]);
}

function fresh(key: string): Stored {
  return {
    key, index: 0, limits: null, tracker: null, last: null,
    subgroup: { count: 0, sum: 0, min: 0, max: 0, uncertain: false },
    baseline: { values: [], ranges: [] },
  };
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

function round(value: number): string {
  return String(Number(value.toPrecision(6)));
}
