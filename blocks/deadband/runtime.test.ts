import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import deadband from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

/** `values` as [ms after START, value]; returns what passed as [ms after START, value]. */
async function filter(config: Record<string, unknown>, values: Array<[number, unknown]>) {
  const run = await runInHarness({
    nodes: { db: { block: deadband, config, outputs: ["out"] } },
    capture: ["db.out"],
    inject: ["db.in"],
  });
  for (const [at, value] of values) run.send("db.in", value, START + at);
  await run.runUntil();
  await run.stop();
  return { run, out: (run.captured.get("db.out") ?? []).map((m) => [m.ts - START, m.value]) };
}

const every10 = (values: unknown[]): Array<[number, unknown]> => values.map((v, i) => [i * 10, v]);

describe("dengta.filter.deadband", () => {
  it("absolute: passes the first value, then only changes strictly larger than the band from the last passed value", async () => {
    const { out } = await filter({ kind: "absolute", value: 0.5 }, every10([20, 20.3, 20.5, 20.6, 20.2, 20, 19.9, 21, 21]));
    // 20.5 is exactly 0.5 away: not more than the band. 20 is measured from 20.6 (last passed), not from 20.2.
    expect(out).toEqual([[0, 20], [30, 20.6], [50, 20], [70, 21]]);
  });

  it("kind defaults to absolute", async () => {
    expect((await filter({ value: 1 }, every10([0, 1, 1.5, 3]))).out.map(([, v]) => v)).toEqual([0, 1.5, 3]);
  });

  it("percent: the band is a percentage of the last passed value, so it follows the level", async () => {
    const { out } = await filter({ kind: "percent", value: 10 }, every10([100, 109, 110, 111, 120, 130, -50, -54, -56]));
    // From 100: band 10 (110 is not more). From 111: band 11.1 (120 is not, 130 is). From 130: -50 passes; from -50: band 5.
    expect(out.map(([, v]) => v)).toEqual([100, 111, 130, -50, -56]);
  });

  it("percent of a last value of 0 passes any change", async () => {
    expect((await filter({ kind: "percent", value: 5 }, every10([0, 0, 0.001, 0.001]))).out.map(([, v]) => v)).toEqual([0, 0.001]);
  });

  it("value 0 passes every change and drops only repeats", async () => {
    expect((await filter({ value: 0 }, every10([1, 1, 2, 2, 1]))).out.map(([, v]) => v)).toEqual([1, 2, 1]);
  });

  it("maxSilenceMs passes a steady value once the last passed one is that old, by message time", async () => {
    const values: Array<[number, unknown]> = [[0, 5], [400, 5], [999, 5.1], [1000, 5.1], [1500, 5], [2000, 9], [2100, 9], [2999, 9], [3000, 9], [3500, 9]];
    const { out } = await filter({ value: 1, maxSilenceMs: 1000 }, values);
    expect(out).toEqual([[0, 5], [1000, 5.1], [2000, 9], [3000, 9]]);
  });

  it("a change of quality always passes", async () => {
    const run = await runInHarness({
      nodes: { db: { block: deadband, config: { value: 10 }, outputs: ["out"] } },
      capture: ["db.out"],
      inject: ["db.in"],
    });
    run.engine.emitFrom("__inject", "p0", 50, { ts: START });
    run.engine.emitFrom("__inject", "p0", 50, { ts: START + 10, quality: "bad" });
    run.engine.emitFrom("__inject", "p0", 51, { ts: START + 20, quality: "bad" });
    run.engine.emitFrom("__inject", "p0", 51, { ts: START + 30 });
    await run.runUntil();
    expect(run.captured.get("db.out")?.map((m) => [m.ts - START, m.value, m.quality, m.source])).toEqual([
      [0, 50, "good", "db"],
      [10, 50, "bad", "db"],
      [30, 51, "good", "db"],
    ]);
    await run.stop();
  });

  it("ignores values that are not numbers, with a warning and a count, and keeps its reference", async () => {
    const { run, out } = await filter({ value: 1 }, every10([10, "12", null, Number.NaN, 10.5, 12]));
    expect(out.map(([, v]) => v)).toEqual([10, 12]);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      'ignored a value that is not a number: "12"',
      "ignored a value that is not a number: null",
      "ignored a value that is not a number: NaN",
    ]);
    expect(run.engine.counters()["db.invalid"]).toBe(3);
  });

  it("keeps its reference per node", async () => {
    const run = await runInHarness({
      nodes: {
        a: { block: deadband, config: { value: 1 }, outputs: ["out"] },
        b: { block: deadband, config: { value: 1 }, outputs: ["out"] },
      },
      capture: ["a.out", "b.out"],
      inject: ["a.in", "b.in"],
    });
    run.send("a.in", 0);
    run.send("b.in", 5);
    run.send("a.in", 5);
    run.send("b.in", 5.5);
    await run.runUntil();
    expect(run.captured.get("a.out")?.map((m) => m.value)).toEqual([0, 5]);
    expect(run.captured.get("b.out")?.map((m) => m.value)).toEqual([5]);
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { value: 0.5 };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ value: 0.5, kind: "absolute" });
    expect(validateConfig({ kind: "percent", value: 2, maxSilenceMs: 60000 })).toBe(true);
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ value: -1 })).toBe(false);
    expect(validateConfig({ value: 1, kind: "relative" })).toBe(false);
    expect(validateConfig({ value: 1, maxSilenceMs: 0 })).toBe(false);
    expect(validateConfig({ value: 1, timeout: 5 })).toBe(false);
  });
});
