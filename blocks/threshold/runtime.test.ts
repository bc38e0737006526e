import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import threshold from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

async function feed(config: Record<string, unknown>, values: unknown[]) {
  const run = await runInHarness({
    nodes: { check: { block: threshold, config, outputs: ["out", "alarm"] } },
    capture: ["check.out", "check.alarm"],
    inject: ["check.in"],
  });
  values.forEach((value, index) => run.send("check.in", value, START + index * 10));
  await run.runUntil();
  await run.stop();
  const out = (run.captured.get("check.out") ?? []).map((m) => m.value);
  const alarms = (run.captured.get("check.alarm") ?? []).map((m) => [m.ts - START, m.value]);
  return { run, out, alarms };
}

describe("dengta.logic.threshold", () => {
  it("above: raises when strictly greater, clears when back", async () => {
    const { out, alarms } = await feed({ limit: 80, direction: "above" }, [70, 80, 81, 90, 80, 60, 85]);
    expect(out).toEqual([false, false, true, true, false, false, true]);
    expect(alarms).toEqual([
      [20, { state: "raised", value: 81, limit: 80 }],
      [40, { state: "cleared", value: 80, limit: 80 }],
      [60, { state: "raised", value: 85, limit: 80 }],
    ]);
  });

  it("below: raises when strictly less, clears when back", async () => {
    const { out, alarms } = await feed({ limit: 1.5, direction: "below" }, [2, 1.5, 1.4, 1, 3]);
    expect(out).toEqual([false, false, true, true, false]);
    expect(alarms).toEqual([
      [20, { state: "raised", value: 1.4, limit: 1.5 }],
      [40, { state: "cleared", value: 3, limit: 1.5 }],
    ]);
  });

  it("hysteresis: a value hovering at the limit raises once and clears only back past the band", async () => {
    const { out, alarms } = await feed({ limit: 85, direction: "above", hysteresis: 2 }, [84, 85.5, 84.9, 85.2, 83.5, 83, 86]);
    expect(out).toEqual([false, true, true, true, true, false, true]);
    expect(alarms.map(([ts, a]) => [ts, (a as { state: string }).state])).toEqual([[10, "raised"], [50, "cleared"], [60, "raised"]]);
  });

  it("hysteresis below the limit clears only above limit + band", async () => {
    const { out } = await feed({ limit: 40, direction: "below", hysteresis: 5 }, [50, 39, 42, 44, 45]);
    expect(out).toEqual([false, true, true, true, false]);
  });

  it("direction defaults to above", async () => {
    const { out } = await feed({ limit: 0 }, [-1, 1]);
    expect(out).toEqual([false, true]);
  });

  it("a first value beyond the limit raises at once; a first value within it sends no alarm", async () => {
    expect((await feed({ limit: 10 }, [11])).alarms).toEqual([[0, { state: "raised", value: 11, limit: 10 }]]);
    expect((await feed({ limit: 10 }, [9])).alarms).toEqual([]);
  });

  it("ignores values that are not numbers, with a warning and a count", async () => {
    const { run, out, alarms } = await feed({ limit: 10 }, ["12", null, Number.NaN, { v: 12 }, 12]);
    expect(out).toEqual([true]);
    expect(alarms).toEqual([[40, { state: "raised", value: 12, limit: 10 }]]);
    const warnings = run.logs.filter((l) => l.level === "warn" && l.node === "check");
    expect(warnings.map((l) => l.message)).toEqual([
      'ignored a value that is not a number: "12"',
      "ignored a value that is not a number: null",
      "ignored a value that is not a number: NaN",
      "ignored a value that is not a number: object",
    ]);
    expect(run.engine.counters()["check.invalid"]).toBe(4);
  });

  it("carries ts and quality from the input", async () => {
    const run = await runInHarness({
      nodes: { check: { block: threshold, config: { limit: 1 }, outputs: ["out", "alarm"] } },
      capture: ["check.out", "check.alarm"],
      inject: ["check.in"],
    });
    run.engine.emitFrom("__inject", "p0", 5, { ts: START + 123, quality: "uncertain" });
    await run.runUntil();
    for (const port of ["check.out", "check.alarm"]) {
      expect(run.captured.get(port)?.map((m) => [m.ts, m.quality, m.source])).toEqual([[START + 123, "uncertain", "check"]]);
    }
    await run.stop();
  });

  it("keeps the alarm state per node", async () => {
    const run = await runInHarness({
      nodes: {
        hot: { block: threshold, config: { limit: 50 }, outputs: ["out", "alarm"] },
        cold: { block: threshold, config: { limit: 50, direction: "below" }, outputs: ["out", "alarm"] },
      },
      capture: ["hot.alarm", "cold.alarm"],
      inject: ["hot.in", "cold.in"],
    });
    run.send("hot.in", 60);
    run.send("cold.in", 60);
    run.send("cold.in", 40);
    await run.runUntil();
    expect(run.captured.get("hot.alarm")?.map((m) => (m.value as { state: string }).state)).toEqual(["raised"]);
    expect(run.captured.get("cold.alarm")?.map((m) => (m.value as { state: string }).state)).toEqual(["raised"]);
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { limit: 3 };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ limit: 3, direction: "above", hysteresis: 0 });
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ limit: 1, direction: "sideways" })).toBe(false);
  });
});
