import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Prng } from "../../simulator/model/prng.ts";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import spc, { CONSTANTS, type EstimatedLimits, type RuleName, type SpcPoint, type SpcViolation } from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);
/** Known limits with σ = 1, so that a value reads directly as its distance from the center in σ. */
const UNIT = { chart: "individuals", limits: { center: 0, ucl: 3, lcl: -3 } };

async function chart(config: Record<string, unknown>, values: readonly unknown[], options: { dataDir?: string; firstTs?: number } = {}) {
  const run = await runInHarness({
    nodes: { spc: { block: spc, config, outputs: ["point", "violation", "limits"] } },
    inject: ["spc.in"],
    capture: ["spc.point", "spc.violation", "spc.limits"],
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const firstTs = options.firstTs ?? START;
  values.forEach((value, i) => run.send("spc.in", value, firstTs + i * 1000));
  await run.runUntil();
  await run.stop();
  const of = <T>(port: string) => (run.captured.get(`spc.${port}`) ?? []).map((m) => m.value as T);
  return {
    run,
    messages: (port: string) => run.captured.get(`spc.${port}`) ?? [],
    points: of<SpcPoint>("point"),
    violations: of<SpcViolation>("violation"),
    limits: of<EstimatedLimits>("limits"),
  };
}

/** Indexes of the points at which `rule` fired. */
function firing(violations: SpcViolation[], rule: RuleName): number[] {
  return violations.filter((v) => v.rule === rule).map((v) => v.index);
}


/**
 * Inside diameters (mm) of forged piston rings: 25 phase-I samples of 5 and 15 phase-II samples.
 * Montgomery, Introduction to Statistical Quality Control, Tables 6.3 and 6.4 (Examples 6.3, 6.4),
 * as shipped in the R package qcc (`data(pistonrings)`), whose `qcc(diameter[1:25,], type = "xbar")`
 * prints center 74.00118, LCL 73.98805, UCL 74.0143 (with the exact d2; the book rounds to
 * x̿ = 74.001, R̄ = 0.023, UCL 74.014, LCL 73.988).
 */
const PISTON_RINGS = [
  [74.030, 74.002, 74.019, 73.992, 74.008], [73.995, 73.992, 74.001, 74.011, 74.004], [73.988, 74.024, 74.021, 74.005, 74.002],
  [74.002, 73.996, 73.993, 74.015, 74.009], [73.992, 74.007, 74.015, 73.989, 74.014], [74.009, 73.994, 73.997, 73.985, 73.993],
  [73.995, 74.006, 73.994, 74.000, 74.005], [73.985, 74.003, 73.993, 74.015, 73.988], [74.008, 73.995, 74.009, 74.005, 74.004],
  [73.998, 74.000, 73.990, 74.007, 73.995], [73.994, 73.998, 73.994, 73.995, 73.990], [74.004, 74.000, 74.007, 74.000, 73.996],
  [73.983, 74.002, 73.998, 73.997, 74.012], [74.006, 73.967, 73.994, 74.000, 73.984], [74.012, 74.014, 73.998, 73.999, 74.007],
  [74.000, 73.984, 74.005, 73.998, 73.996], [73.994, 74.012, 73.986, 74.005, 74.007], [74.006, 74.010, 74.018, 74.003, 74.000],
  [73.984, 74.002, 74.003, 74.005, 73.997], [74.000, 74.010, 74.013, 74.020, 74.003], [73.988, 74.001, 74.009, 74.005, 73.996],
  [74.004, 73.999, 73.990, 74.006, 74.009], [74.010, 73.989, 73.990, 74.009, 74.014], [74.015, 74.008, 73.993, 74.000, 74.010],
  [73.982, 73.984, 73.995, 74.017, 74.013],
  // phase II, samples 26 to 40
  [74.012, 74.015, 74.030, 73.986, 74.000], [73.995, 74.010, 73.990, 74.015, 74.001], [73.987, 73.999, 73.985, 74.000, 73.990],
  [74.008, 74.010, 74.003, 73.991, 74.006], [74.003, 74.000, 74.001, 73.986, 73.997], [73.994, 74.003, 74.015, 74.020, 74.004],
  [74.008, 74.002, 74.018, 73.995, 74.005], [74.001, 74.004, 73.990, 73.996, 73.998], [74.015, 74.000, 74.016, 74.025, 74.000],
  [74.030, 74.005, 74.000, 74.016, 74.012], [74.001, 73.990, 73.995, 74.010, 74.024], [74.015, 74.020, 74.024, 74.005, 74.019],
  [74.035, 74.010, 74.012, 74.015, 74.026], [74.017, 74.013, 74.036, 74.025, 74.026], [74.010, 74.005, 74.029, 74.000, 74.020],
];

describe("dengta.quality.spc", () => {
  it("estimates X̄-R limits from 25 samples of 5 like the textbook: Montgomery's piston rings", async () => {
    const { points, limits, messages } = await chart({ chart: "xbar-r", subgroupSize: 5, baselineSubgroups: 25 }, PISTON_RINGS.flat());
    const phase1 = PISTON_RINGS.slice(0, 25);
    const means = phase1.map((s) => s.reduce((a, b) => a + b) / 5);
    const ranges = phase1.map((s) => Math.max(...s) - Math.min(...s));
    // The book's sums: Σx̄ = 1850.0294, ΣR = 0.569.
    expect(means.reduce((a, b) => a + b)).toBeCloseTo(1850.0294, 9);
    expect(ranges.reduce((a, b) => a + b)).toBeCloseTo(0.569, 9);
    const xbarbar = means.reduce((a, b) => a + b) / 25;
    const rbar = ranges.reduce((a, b) => a + b) / 25;
    const { A2, D3, D4, d2 } = CONSTANTS[5]!;
    expect([A2, D3, D4, d2]).toEqual([0.577, 0, 2.114, 2.326]);

    expect(limits).toHaveLength(1);
    const estimate = limits[0]!;
    expect(estimate).toMatchObject({ source: "baseline", chart: "xbar-r", subgroupSize: 5, baselinePoints: 25 });
    expect(estimate.center).toBeCloseTo(xbarbar, 12);
    expect(estimate.ucl).toBeCloseTo(xbarbar + A2 * rbar, 12);
    expect(estimate.lcl).toBeCloseTo(xbarbar - A2 * rbar, 12);
    expect(estimate.range.center).toBeCloseTo(rbar, 12);
    expect(estimate.range.ucl).toBeCloseTo(D4 * rbar, 12);
    expect(estimate.range.lcl).toBe(0);
    expect(estimate.sigma).toBeCloseTo(rbar / d2, 12);
    // Against the published figures: qcc's 74.00118 / 74.0143 / 73.98805, R̄ = 0.02276, UCL_R 0.04812.
    expect(estimate.center).toBeCloseTo(74.00118, 5);
    expect(estimate.ucl).toBeCloseTo(74.0143, 4);
    expect(estimate.lcl).toBeCloseTo(73.98805, 4);
    expect(estimate.range.center).toBeCloseTo(0.02276, 5);
    expect(estimate.range.ucl).toBeCloseTo(0.04812, 4);
    // The limits message is sent with the 25th subgroup, i.e. the 125th measurement.
    expect(messages("limits")[0]!.ts).toBe(START + 124_000);

    expect(points).toHaveLength(40);
    expect(points.slice(0, 25).every((p) => p.phase === "baseline" && p.center === null && p.zone === null)).toBe(true);
    expect(points[0]).toMatchObject({ chart: "xbar", index: 0, range: { chart: "range", center: null } });
    expect(points[0]!.value).toBeCloseTo(74.0102, 12);
    expect(points[0]!.range!.value).toBeCloseTo(0.038, 12);
    // A subgroup's point carries the timestamp of its last measurement.
    expect(messages("point").map((m) => m.ts)).toEqual(points.map((_, k) => START + (5 * k + 4) * 1000));
    // Phase II: samples 37, 38 and 39 plot above the UCL, as in the book's Figure 6.4.
    const beyond = points.filter((p) => p.violations.includes("N1")).map((p) => p.index + 1);
    expect(beyond).toEqual([37, 38, 39]);
    expect(points.slice(25).every((p) => p.phase === "monitoring" && p.center === estimate.center && p.range!.ucl === estimate.range.ucl)).toBe(true);
  });

  describe("each rule fires at the point that completes its pattern, not one earlier", () => {
    it("N1 / WE1: a point beyond a control limit (on the limit is not beyond)", async () => {
      const { violations } = await chart(UNIT, [0.5, -0.5, 2.9, 3, 3.5, -3.01]);
      expect(firing(violations, "N1")).toEqual([4, 5]);
      expect(firing(violations, "WE1")).toEqual([4, 5]);
      expect(violations.find((v) => v.rule === "N1")).toMatchObject({ chart: "individuals", value: 3.5, index: 4, points: [4], phase: "monitoring" });
    });

    it("WE4 after eight and N2 after nine points in a row on one side; a point on the center line breaks the run", async () => {
      const run = await chart(UNIT, [-0.5, ...Array(10).fill(0.5)]);
      expect(firing(run.violations, "WE4")).toEqual([8, 9, 10]);
      expect(firing(run.violations, "N2")).toEqual([9, 10]);
      expect(run.violations.find((v) => v.rule === "N2")!.points).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const broken = await chart(UNIT, [...Array(8).fill(-0.4), 0, ...Array(8).fill(-0.4)]);
      expect(firing(broken.violations, "WE4")).toEqual([7, 16]);
      expect(firing(broken.violations, "N2")).toEqual([]);
    });

    it("N3: six points in a row steadily rising or falling; an equal value breaks the trend", async () => {
      const rising = await chart(UNIT, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.5]);
      expect(firing(rising.violations, "N3")).toEqual([5, 6]);
      expect(rising.violations.find((v) => v.rule === "N3")!.points).toEqual([0, 1, 2, 3, 4, 5]);
      const falling = await chart(UNIT, [1, 0.8, 0.6, 0.4, 0.2, 0]);
      expect(firing(falling.violations, "N3")).toEqual([5]);
      const flat = await chart(UNIT, [0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5]);
      expect(firing(flat.violations, "N3")).toEqual([]);
    });

    it("N4: fourteen points in a row alternating up and down", async () => {
      const { violations } = await chart(UNIT, [0.2, 0.2, ...Array.from({ length: 15 }, (_, i) => (i % 2 === 0 ? 0.5 : -0.5))]);
      // The first alternating step is from the second 0.2 (index 1): points 1..14 are the fourteen.
      expect(firing(violations, "N4")).toEqual([14, 15, 16]);
      expect(violations.find((v) => v.rule === "N4")!.points).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    });

    it("N5 / WE2: two of three points beyond 2σ on the same side", async () => {
      const { violations } = await chart(UNIT, [0.5, 2.5, 0.5, 2.5, -2.5, 0.5, -2.5, 2.5]);
      expect(firing(violations, "N5")).toEqual([3, 6]);
      expect(firing(violations, "WE2")).toEqual([3, 6]);
      expect(violations.filter((v) => v.rule === "N5").map((v) => v.points)).toEqual([[1, 3], [4, 6]]);
    });

    it("N6 / WE3: four of five points beyond 1σ on the same side", async () => {
      const { violations } = await chart(UNIT, [1.5, 1.5, 0.5, 1.5, 1.5, 0.5, -1.5]);
      expect(firing(violations, "N6")).toEqual([4]);
      expect(firing(violations, "WE3")).toEqual([4]);
      expect(violations.find((v) => v.rule === "N6")!.points).toEqual([0, 1, 3, 4]);
    });

    it("N7: fifteen points in a row within 1σ", async () => {
      const { violations } = await chart(UNIT, [1.5, ...Array.from({ length: 16 }, (_, i) => [0.1, 0.2, -0.1, -0.2][i % 4])]);
      expect(firing(violations, "N7")).toEqual([15, 16]);
      expect(firing(violations, "N4")).toEqual([]);
      expect(firing(violations, "N2")).toEqual([]);
    });

    it("N8: eight points in a row beyond 1σ, on either side", async () => {
      const { violations } = await chart(UNIT, [1.5, 1.5, -1.5, -1.5, 1.5, 1.5, -1.5, -1.5, 0.5]);
      expect(firing(violations, "N8")).toEqual([7]);
      expect(firing(violations, "N6")).toEqual([]);
    });

    it("R1: a moving range above its upper limit (derived from the limits: 3.267 × 1.128σ)", async () => {
      const { violations, points } = await chart(UNIT, [-1.8, 1.8, -1.9]);
      expect(points[1]!.range!.ucl).toBeCloseTo(3.267 * 1.128, 12);
      expect(firing(violations, "R1")).toEqual([2]);
      const r1 = violations.find((v) => v.rule === "R1")!;
      expect(r1).toMatchObject({ chart: "moving-range", index: 2, points: [2] });
      expect(r1.value).toBeCloseTo(3.7, 12);
      expect(r1.description).toEqual({ en: "moving range above its upper control limit", "zh-CN": "移动极差超出其上控制限" });
    });

    it("R1 on a subgroup's range, with the range limits given", async () => {
      const config = { chart: "xbar-r", subgroupSize: 3, limits: { center: 10, ucl: 11, lcl: 9, range: { center: 1, ucl: 2.5 } } };
      const { violations, points } = await chart(config, [10, 10.5, 9.5, 10, 11.2, 9]);
      expect(points.map((p) => p.range!.value)).toEqual([1, expect.closeTo(2.2, 12)]);
      expect(firing(violations, "R1")).toEqual([]);
      const wide = await chart(config, [10, 10.5, 9.5, 10, 11.6, 9]);
      expect(firing(wide.violations, "R1")).toEqual([1]);
      expect(wide.violations.find((v) => v.rule === "R1")).toMatchObject({ chart: "range", description: { en: "range above its upper control limit" } });
    });
  });

  it("plots each point with its zone, range and the rules it breaks; only the configured rules", async () => {
    const { points } = await chart(UNIT, [0.5, 1.5, -2.5, 3.5, 0]);
    expect(points.map((p) => p.zone)).toEqual(["C", "B", "A", "beyond", "C"]);
    expect(points[0]).toEqual({ chart: "individuals", index: 0, phase: "monitoring", value: 0.5, center: 0, ucl: 3, lcl: -3, zone: "C", violations: [] });
    expect(points[3]).toMatchObject({ violations: ["WE1", "N1", "R1"], range: { chart: "moving-range", value: 6, center: expect.closeTo(1.128, 12), lcl: 0 } });

    const only = await chart({ ...UNIT, rules: ["N1"] }, [0.5, 1.5, -2.5, 3.5, 0]);
    expect(only.points[3]!.violations).toEqual(["N1"]);
    expect(only.violations.map((v) => [v.rule, v.index])).toEqual([["N1", 3]]);
    expect(only.violations[0]!.description).toEqual({ en: "one point beyond 3σ (outside the control limits)", "zh-CN": "1 个点落在 3σ 之外（超出控制限）" });
  });

  it("estimates individuals limits from the baseline, sends them once, and checks the baseline against them", async () => {
    const baseline = [10, 11, 9, 10, 10, 11, 9, 10, 10, 11, 9, 10, 10, 11, 9, 10, 10, 11, 9, 10, 10, 11, 9, 10, 16];
    const { points, limits, violations, run, messages } = await chart({ chart: "individuals" }, [...baseline, 10, 4]);
    const center = baseline.reduce((a, b) => a + b) / 25;
    const moving = baseline.slice(1).map((x, i) => Math.abs(x - baseline[i]!));
    const mrBar = moving.reduce((a, b) => a + b) / 24;
    expect(limits).toHaveLength(1);
    expect(limits[0]).toMatchObject({ source: "baseline", chart: "individuals", baselinePoints: 25 });
    expect(limits[0]!.center).toBeCloseTo(center, 12);
    expect(limits[0]!.ucl).toBeCloseTo(center + 2.66 * mrBar, 12);
    expect(limits[0]!.lcl).toBeCloseTo(center - 2.66 * mrBar, 12);
    expect(limits[0]!.range).toEqual({ center: expect.closeTo(mrBar, 12), ucl: expect.closeTo(3.267 * mrBar, 12), lcl: 0 });
    expect(limits[0]!.sigma).toBeCloseTo(mrBar / 1.128, 12);
    expect(messages("limits")[0]!.ts).toBe(START + 24_000);
    // The first point has no moving range; baseline points have no limits yet.
    expect(points[0]!.range).toBeUndefined();
    expect(points[1]).toMatchObject({ phase: "baseline", range: { value: 1, center: null } });
    // The spike at the end of the baseline is reported against the frozen limits, as a baseline finding.
    expect(violations.filter((v) => v.phase === "baseline").map((v) => [v.rule, v.index])).toEqual([["WE1", 24], ["N1", 24], ["R1", 24]]);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      "the baseline itself breaks 3 rule checks: the limits may include special causes; check the process and restart with a clean baseline",
    ]);
    expect(points[25]).toMatchObject({ phase: "monitoring", index: 25, violations: ["R1"] });
    expect(points[26]).toMatchObject({ phase: "monitoring", index: 26, zone: "beyond" });
  });

  it("an in-control random process rarely breaks N1 (about 0.27 % of points)", async () => {
    const prng = new Prng(20260101);
    const values = Array.from({ length: 1000 }, () => 50 + 2 * prng.normal());
    const known = await chart({ chart: "individuals", limits: { center: 50, ucl: 56, lcl: 44 } }, values);
    const estimated = await chart({ chart: "individuals" }, values);
    expect(known.points).toHaveLength(1000);
    const n1 = (violations: SpcViolation[]) => firing(violations, "N1").length;
    expect(n1(known.violations)).toBeLessThanOrEqual(8);
    expect(n1(estimated.violations)).toBeLessThanOrEqual(15);
    expect(Math.abs(estimated.limits[0]!.center - 50)).toBeLessThan(1);
  });

  describe("restart", () => {
    it("continues with the frozen limits, the point index and the runs of the rules", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dengta-spc-"));
      const config = { chart: "individuals", baselineSubgroups: 5 };
      const first = await chart(config, [10, 11, 9, 10, 10, 10.5, 10.5, 10.5, 10.5], { dataDir });
      expect(first.limits).toHaveLength(1);
      expect(first.limits[0]).toMatchObject({ center: 10, ucl: expect.closeTo(12.66, 12), lcl: expect.closeTo(7.34, 12), range: { center: 1 } });
      const frozen = first.limits[0]!;
      expect(firing(first.violations, "WE4")).toEqual([]);

      const second = await chart(config, [10.5, 10.5, 10.5, 10.5, 10.5], { dataDir, firstTs: START + 60_000 });
      expect(second.limits).toEqual([]);
      expect(second.points.map((p) => p.index)).toEqual([9, 10, 11, 12, 13]);
      expect(second.points.every((p) => p.center === frozen.center && p.ucl === frozen.ucl && p.lcl === frozen.lcl && p.phase === "monitoring")).toBe(true);
      // The moving range spans the restart, and the run of 10.5 started before it (index 5).
      expect(second.points[0]!.range!.value).toBe(0);
      expect(firing(second.violations, "WE4")).toEqual([12, 13]);
      expect(firing(second.violations, "N2")).toEqual([13]);
      expect(second.violations.find((v) => v.rule === "N2")!.points).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13]);
    });

    it("keeps the zone windows (N5, N6) and the trend (N3) across a restart", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dengta-spc-"));
      await chart(UNIT, [-0.5, -2.5, 1.5, 2.5, 1.5], { dataDir });
      const { violations } = await chart(UNIT, [0.5, 1.6, 1.7, 2.6, 2.4], { dataDir });
      // 2.6 (index 8) and 2.5 (index 3) are too far apart for N5; 2.6 and 2.4 (9) are two of three.
      expect(firing(violations, "N5")).toEqual([9]);
      expect(violations.find((v) => v.rule === "N5")!.points).toEqual([8, 9]);
      // 1.5, 2.5, 1.5 before the restart and 1.6 after it: four of the five points 2..6 beyond 1σ.
      expect(firing(violations, "N6")).toEqual([6, 7, 8, 9]);
      expect(violations.find((v) => v.rule === "N6")!.points).toEqual([2, 3, 4, 6]);

      const trendDir = mkdtempSync(join(tmpdir(), "dengta-spc-"));
      await chart(UNIT, [0, 0.1, 0.2], { dataDir: trendDir });
      const rising = await chart(UNIT, [0.3, 0.4, 0.5], { dataDir: trendDir });
      expect(firing(rising.violations, "N3")).toEqual([5]);
      expect(rising.violations.find((v) => v.rule === "N3")!.points).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it("continues a baseline and a subgroup cut by a restart", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dengta-spc-"));
      const config = { chart: "xbar-r", subgroupSize: 3, baselineSubgroups: 2 };
      const first = await chart(config, [1, 2, 3, 2, 2], { dataDir });
      expect(first.points.map((p) => p.value)).toEqual([2]);
      const second = await chart(config, [5], { dataDir, firstTs: START + 60_000 });
      expect(second.points.map((p) => [p.index, p.value, p.range!.value])).toEqual([[1, 3, 3]]);
      expect(second.messages("point")[0]!.ts).toBe(START + 60_000);
      expect(second.limits).toHaveLength(1);
      expect(second.limits[0]).toMatchObject({ center: 2.5, baselinePoints: 2, range: { center: 2.5 } });
    });

    it("after a crash continues from the last save: at most one second of message time back, the limits always", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dengta-spc-"));
      const open = () => runInHarness({
        nodes: { spc: { block: spc, config: { chart: "individuals", baselineSubgroups: 5 }, outputs: ["point", "violation", "limits"] } },
        inject: ["spc.in"], capture: ["spc.point", "spc.limits"], dataDir,
      });
      const crashed = await open();
      // Points every 300 ms: saved with the 1st (0 ms), the 5th (limits frozen, 1200 ms) and the 9th (2400 ms).
      for (let i = 0; i < 10; i++) crashed.send("spc.in", 10 + (i % 3), START + i * 300);
      await crashed.runUntil();
      expect(crashed.captured.get("spc.limits")).toHaveLength(1);
      // No stop: the box lost power after the 10th point.
      const after = await open();
      after.send("spc.in", 11, START + 5000);
      await after.runUntil();
      await after.stop();
      expect(after.captured.get("spc.limits")).toBeUndefined();
      expect((after.captured.get("spc.point")![0]!.value as SpcPoint)).toMatchObject({ index: 9, phase: "monitoring", range: { value: 1 } });
      await crashed.stop();
    });

    it("starts a new chart when the settings changed", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dengta-spc-"));
      await chart(UNIT, [0, 1, 2], { dataDir });
      const same = await chart(UNIT, [0], { dataDir });
      expect(same.points[0]!.index).toBe(3);
      const changed = await chart({ chart: "individuals", limits: { center: 0, ucl: 6, lcl: -6 } }, [0], { dataDir });
      expect(changed.points[0]).toMatchObject({ index: 0, ucl: 6 });
      expect(changed.points[0]!.range).toBeUndefined();
      expect(changed.run.logs.map((l) => l.message)).toContain("the chart's settings changed: starting a new chart");
    });
  });

  it("ignores values that are not finite numbers and bad-quality readings, with warnings and counts", async () => {
    const run = await runInHarness({
      nodes: { spc: { block: spc, config: UNIT, outputs: ["point", "violation", "limits"] } },
      inject: ["spc.in"],
      capture: ["spc.point"],
    });
    for (const [i, value] of ["3", null, Number.NaN, Infinity, true, { value: 1 }, 1].entries()) run.send("spc.in", value, START + i);
    run.engine.emitFrom("__inject", "p0", 2, { ts: START + 10, quality: "bad" });
    run.engine.emitFrom("__inject", "p0", 2, { ts: START + 11, quality: "uncertain" });
    await run.runUntil();
    await run.stop();
    const points = run.captured.get("spc.point") ?? [];
    expect(points.map((m) => [(m.value as SpcPoint).value, m.quality])).toEqual([[1, "good"], [2, "uncertain"]]);
    expect(run.engine.counters()["spc.invalid"]).toBe(6);
    expect(run.engine.counters()["spc.bad"]).toBe(1);
    expect(run.logs.filter((l) => l.level === "warn")).toHaveLength(6);
  });

  it("refuses limits that are not in order", async () => {
    await expect(chart({ chart: "individuals", limits: { center: 0, ucl: -1, lcl: 1 } }, [])).rejects.toThrow(/lcl < center < ucl.*控制限/);
    await expect(chart({ chart: "individuals", limits: { center: 0, ucl: 3, lcl: -3, range: { center: 2, ucl: 1 } } }, [])).rejects.toThrow(/limits\.range/);
  });

  it("property: shifting every measurement by a constant shifts the limits by it and changes no violation", async () => {
    const config = { chart: "xbar-r", subgroupSize: 4, baselineSubgroups: 16 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 4 * 26, maxLength: 4 * 26 }),
        fc.integer({ min: -1000, max: 1000 }),
        async (data, shift) => {
          const plain = await chart(config, data);
          const shifted = await chart(config, data.map((x) => x + shift));
          const [a, b] = [plain.limits[0]!, shifted.limits[0]!];
          expect(b.center).toBeCloseTo(a.center + shift, 9);
          expect(b.ucl).toBeCloseTo(a.ucl + shift, 9);
          expect(b.lcl).toBeCloseTo(a.lcl + shift, 9);
          expect(b.range).toEqual(a.range);
          const key = (v: SpcViolation) => `${v.rule}@${v.index}`;
          expect(shifted.violations.map(key)).toEqual(plain.violations.map(key));
        },
      ),
      { numRuns: 20 },
    );
  });

  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const filled: Record<string, unknown> = {};
    expect(validate(filled)).toBe(true);
    expect(filled).toEqual({
      chart: "individuals", subgroupSize: 5, baselineSubgroups: 25,
      rules: ["WE1", "WE2", "WE3", "WE4", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "R1"],
    });
    expect(validate({ chart: "xbar-r", subgroupSize: 4, limits: { center: 1, ucl: 2, lcl: 0, range: { center: 1, ucl: 2 } }, rules: ["N1", "R1"] })).toBe(true);
    expect(validate({ chart: "xbar-r", subgroupSize: 11 })).toBe(false);
    expect(validate({ chart: "xbar-r", subgroupSize: 1 })).toBe(false);
    expect(validate({ chart: "p" })).toBe(false);
    expect(validate({ rules: ["N9"] })).toBe(false);
    expect(validate({ rules: ["N1", "N1"] })).toBe(false);
    expect(validate({ limits: { center: 1, ucl: 2 } })).toBe(false);
    expect(validate({ baselineSubgroups: 1 })).toBe(false);
  });
});
