import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import rateLimit from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

/**
 * `values` as [ms after START, value], sent when the clock reaches that time (as live);
 * returns what passed as [ms after START, value] and the run.
 */
async function limit(config: Record<string, unknown>, values: Array<[number, unknown]>, endMs = 100_000) {
  const run = await runInHarness({
    nodes: { rl: { block: rateLimit, config, outputs: ["out"] } },
    capture: ["rl.out"],
    inject: ["rl.in"],
  });
  for (const [at, value] of values) {
    await run.runUntil(START + at);
    run.send("rl.in", value, START + at);
  }
  await run.runUntil(START + endMs);
  return { run, out: (run.captured.get("rl.out") ?? []).map((m) => [m.ts - START, m.value]) };
}

describe("dengta.flow.rate-limit", () => {
  it("drop: passes at most count messages per fixed window opened by the first message", async () => {
    const { run, out } = await limit({ count: 2, perMs: 1000 }, [
      [0, "a"], [100, "b"], [200, "c"], [999, "d"], [1000, "e"], [1500, "f"], [1600, "g"], [3000, "h"],
    ]);
    expect(out).toEqual([[0, "a"], [100, "b"], [1000, "e"], [1500, "f"], [3000, "h"]]);
    expect(run.engine.counters()["rl.dropped"]).toBe(3);
    await run.stop();
  });

  it("count defaults to 1 and policy to drop", async () => {
    const { run, out } = await limit({ perMs: 100 }, [[0, 1], [50, 2], [99, 3], [100, 4], [150, 5], [250, 6]]);
    expect(out.map(([, v]) => v)).toEqual([1, 4, 6]);
    expect(run.engine.counters()["rl.dropped"]).toBe(3);
    await run.stop();
  });

  it("a window opens with the first message after the last one closed, not on a fixed grid", async () => {
    const { out } = await limit({ count: 1, perMs: 1000 }, [[0, "a"], [1700, "b"], [2500, "c"], [2699, "d"], [2700, "e"]]);
    expect(out.map(([, v]) => v)).toEqual(["a", "b", "e"]);
  });

  it("latest: keeps the newest message over the limit and sends it when the window reopens", async () => {
    const { run, out } = await limit({ count: 1, perMs: 1000, policy: "latest" }, [
      [0, "a"], [100, "b"], [200, "c"], [300, "d"], [1200, "e"], [1900, "f"], [2500, "g"],
    ]);
    // "d" is sent at 1000 (its own ts kept) and opens the window [1000, 2000): "e" and "f" wait, "f" is sent at 2000.
    expect(out).toEqual([[0, "a"], [300, "d"], [1900, "f"], [2500, "g"]]);
    expect(run.engine.counters()["rl.dropped"]).toBe(3);
    await run.stop();
  });

  it("latest: the held message goes out when the clock reaches the end of the window", async () => {
    const run = await runInHarness({
      nodes: { rl: { block: rateLimit, config: { count: 2, perMs: 500, policy: "latest" }, outputs: ["out"] } },
      capture: ["rl.out"],
      inject: ["rl.in"],
    });
    for (const v of [1, 2, 3, 4]) run.send("rl.in", v, START);
    await run.runUntil(START + 499);
    expect(run.captured.get("rl.out")?.map((m) => m.value)).toEqual([1, 2]);
    await run.runUntil(START + 500);
    expect(run.captured.get("rl.out")?.map((m) => m.value)).toEqual([1, 2, 4]);
    // 4 counts in the window [500, 1000): one more passes there.
    run.send("rl.in", 5, START + 600);
    run.send("rl.in", 6, START + 700);
    await run.runUntil(START + 1000);
    expect(run.captured.get("rl.out")?.map((m) => m.value)).toEqual([1, 2, 4, 5, 6]);
    expect(run.engine.counters()["rl.dropped"]).toBe(1);
    await run.stop();
  });

  it("latest: a message after the window's end sends the held one first when message time runs ahead of the clock", async () => {
    const run = await runInHarness({
      nodes: { rl: { block: rateLimit, config: { count: 1, perMs: 1000, policy: "latest" }, outputs: ["out"] } },
      capture: ["rl.out"],
      inject: ["rl.in"],
    });
    // The clock stays at START; only message time moves (a replay faster than the clock).
    run.send("rl.in", "a", START);
    run.send("rl.in", "b", START + 500);
    run.send("rl.in", "c", START + 1500);
    run.send("rl.in", "d", START + 5000);
    await run.runUntil();
    // "b" opens [1000, 2000), so "c" waits; "d" is past 2000: "c" goes out, then "d" opens a new window.
    expect(run.captured.get("rl.out")?.map((m) => [m.value, m.ts - START])).toEqual([["a", 0], ["b", 500], ["c", 1500], ["d", 5000]]);
    expect(run.engine.counters()["rl.dropped"]).toBeUndefined();
    await run.stop();
  });

  it("latest: a message held at stop is dropped and counted; its timer is cleared", async () => {
    const run = await runInHarness({
      nodes: { rl: { block: rateLimit, config: { count: 1, perMs: 1000, policy: "latest" }, outputs: ["out"] } },
      capture: ["rl.out"],
      inject: ["rl.in"],
    });
    run.send("rl.in", 1, START);
    run.send("rl.in", 2, START + 10);
    await run.runUntil(START + 10);
    await run.stop();
    expect(run.captured.get("rl.out")?.map((m) => m.value)).toEqual([1]);
    expect(run.engine.counters()["rl.dropped"]).toBe(1);
    expect(run.clock.fireNext()).toBe(false);
  });

  it("keeps ts and quality and sends from the node", async () => {
    const run = await runInHarness({
      nodes: { rl: { block: rateLimit, config: { perMs: 10 }, outputs: ["out"] } },
      capture: ["rl.out"],
      inject: ["rl.in"],
    });
    run.engine.emitFrom("__inject", "p0", { a: 1 }, { ts: START + 3, quality: "uncertain" });
    await run.runUntil();
    expect(run.captured.get("rl.out")?.map((m) => [m.value, m.ts - START, m.quality, m.source])).toEqual([[{ a: 1 }, 3, "uncertain", "rl"]]);
    await run.stop();
  });

  it("keeps its window per node", async () => {
    const run = await runInHarness({
      nodes: {
        a: { block: rateLimit, config: { perMs: 1000 }, outputs: ["out"] },
        b: { block: rateLimit, config: { perMs: 1000 }, outputs: ["out"] },
      },
      capture: ["a.out", "b.out"],
      inject: ["a.in", "b.in"],
    });
    run.send("a.in", 1, START);
    run.send("a.in", 2, START + 1);
    run.send("b.in", 3, START + 2);
    await run.runUntil();
    expect(run.captured.get("a.out")?.map((m) => m.value)).toEqual([1]);
    expect(run.captured.get("b.out")?.map((m) => m.value)).toEqual([3]);
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { perMs: 1000 };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ perMs: 1000, count: 1, policy: "drop" });
    expect(validateConfig({ count: 10, perMs: 60000, policy: "latest" })).toBe(true);
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ perMs: 0 })).toBe(false);
    expect(validateConfig({ perMs: 100, count: 0 })).toBe(false);
    expect(validateConfig({ perMs: 100, count: 1.5 })).toBe(false);
    expect(validateConfig({ perMs: 100, policy: "oldest" })).toBe(false);
    expect(validateConfig({ perMs: 100, burst: 2 })).toBe(false);
  });
});
