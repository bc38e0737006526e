import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import timer from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

async function runTimer(config: Record<string, unknown>) {
  return runInHarness({
    nodes: { tick: { block: timer, config, outputs: ["out"] } },
    capture: ["tick.out"],
  });
}

function ticks(run: Awaited<ReturnType<typeof runTimer>>) {
  return (run.captured.get("tick.out") ?? []).map((m) => [m.value, m.ts - START]);
}

describe("dengta.time.timer", () => {
  it("ticks every interval, first tick after one interval by default", async () => {
    const run = await runTimer({ intervalMs: 1000 });
    await run.runUntil(START + 3500);
    expect(ticks(run)).toEqual([[1, 1000], [2, 2000], [3, 3000]]);
    expect(run.engine.isIdle()).toBe(false);
    await run.stop();
    expect(run.engine.isIdle()).toBe(true);
  });

  it("stops after count ticks and lets the engine go idle", async () => {
    const run = await runTimer({ intervalMs: 500, count: 3, startDelayMs: 0 });
    await run.runUntil();
    expect(ticks(run)).toEqual([[1, 0], [2, 500], [3, 1000]]);
    expect(run.engine.isIdle()).toBe(true);
    await run.stop();
  });

  it("honours a start delay different from the interval", async () => {
    const run = await runTimer({ intervalMs: 1000, startDelayMs: 250, count: 2 });
    await run.runUntil();
    expect(ticks(run)).toEqual([[1, 250], [2, 1250]]);
    await run.stop();
  });

  it("a count of 1 ticks once", async () => {
    const run = await runTimer({ intervalMs: 100, count: 1 });
    await run.runUntil();
    expect(ticks(run)).toEqual([[1, 100]]);
    expect(run.engine.isIdle()).toBe(true);
    await run.stop();
  });

  it("uses the default interval when config is empty", async () => {
    const run = await runTimer({});
    await run.runUntil(START + 2000);
    expect(ticks(run)).toEqual([[1, 1000], [2, 2000]]);
    await run.stop();
  });

  it("keeps a separate count per node", async () => {
    const run = await runInHarness({
      nodes: {
        a: { block: timer, config: { intervalMs: 100, count: 2 }, outputs: ["out"] },
        b: { block: timer, config: { intervalMs: 300, count: 1 }, outputs: ["out"] },
      },
      capture: ["a.out", "b.out"],
    });
    await run.runUntil();
    expect(run.captured.get("a.out")?.map((m) => m.value)).toEqual([1, 2]);
    expect(run.captured.get("b.out")?.map((m) => m.value)).toEqual([1]);
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = {};
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ intervalMs: 1000 });
    expect(validateConfig({ intervalMs: 0 })).toBe(false);
    expect(validateConfig({ interval: 10 })).toBe(false);
  });
});
