import { describe, expect, it } from "vitest";
import type { Quality } from "../../runtime/block.ts";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import join from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

/** `events` as [input, ms after START, value, quality?]; returns the pairs with ts as ms after START. */
async function joinRun(config: Record<string, unknown>, events: Array<["a" | "b", number, unknown, Quality?]>) {
  const run = await runInHarness({
    nodes: { j: { block: join, config, outputs: ["out"] } },
    capture: ["j.out"],
    inject: ["j.a", "j.b"],
  });
  for (const [input, at, value, quality] of events) {
    run.engine.emitFrom("__inject", input === "a" ? "p0" : "p1", value, { ts: START + at, quality: quality ?? "good" });
  }
  await run.runUntil();
  await run.stop();
  const out = (run.captured.get("j.out") ?? []).map((m) => {
    const v = m.value as { a: unknown; b: unknown; ts: number };
    return [v.a, v.b, v.ts - START];
  });
  return { run, out, messages: run.captured.get("j.out") ?? [] };
}

describe("dengta.flow.join", () => {
  it("pairs each a with the latest b within the tolerance, by message time", async () => {
    const { run, out, messages } = await joinRun({ toleranceMs: 100 }, [
      ["b", 0, "b0"], ["b", 50, "b50"], ["a", 120, "a120"], ["a", 151, "a151"], ["b", 300, "b300"], ["a", 350, "a350"], ["a", 500, "a500"],
    ]);
    // a120 takes b50 (latest within 100); a151 is 101 after b50: no pair; a500 is 200 after b300: no pair.
    expect(out).toEqual([["a120", "b50", 120], ["a350", "b300", 350]]);
    expect(messages.map((m) => [m.ts - START, m.source])).toEqual([[120, "j"], [350, "j"]]);
    expect(run.engine.counters()["j.unmatched"]).toBe(2);
  });

  it("the tolerance is inclusive and applies either way", async () => {
    const { out } = await joinRun({ toleranceMs: 10 }, [["b", 110, "late b"], ["a", 100, "a"], ["a", 121, "too early"]]);
    expect(out).toEqual([["a", "late b", 100]]);
  });

  it("mode a: a message of b alone sends nothing", async () => {
    const { out, run } = await joinRun({ toleranceMs: 50 }, [["a", 0, "a0"], ["b", 10, "b10"], ["b", 20, "b20"]]);
    expect(out).toEqual([]);
    expect(run.engine.counters()["j.unmatched"]).toBe(1);
  });

  it("mode both: b is paired with the latest a too", async () => {
    const { out } = await joinRun({ toleranceMs: 50, mode: "both" }, [
      ["a", 0, "a0"], ["b", 10, "b10"], ["a", 20, "a20"], ["b", 30, "b30"], ["b", 200, "b200"],
    ]);
    expect(out).toEqual([["a0", "b10", 10], ["a20", "b10", 20], ["a20", "b30", 30]]);
  });

  it("sends the worse quality of the two", async () => {
    const { messages } = await joinRun({ toleranceMs: 50 }, [
      ["b", 0, 1, "uncertain"], ["a", 1, 2], ["a", 2, 3, "bad"], ["b", 3, 4], ["a", 4, 5],
    ]);
    expect(messages.map((m) => m.quality)).toEqual(["uncertain", "bad", "good"]);
  });

  it("keeps values by reference in a plain { a, b, ts } object", async () => {
    const part = { serial: "P-1" };
    const image = { width: 640 };
    const { messages } = await joinRun({ toleranceMs: 5 }, [["b", 0, image], ["a", 2, part]]);
    const value = messages[0]?.value as { a: unknown; b: unknown; ts: number };
    expect(value).toEqual({ a: part, b: image, ts: START + 2 });
    expect(value.a).toBe(part);
    expect(value.b).toBe(image);
  });

  it("bounds the buffer: beyond maxBuffered the oldest is dropped and counted", async () => {
    const { out, run } = await joinRun({ toleranceMs: 1000, maxBuffered: 2 }, [
      ["b", 0, "b0"], ["b", 1, "b1"], ["b", 2, "b2"], ["b", 3, "b3"], ["a", 0, "a0"],
    ]);
    // b0 and b1 were dropped; a0 pairs with the latest b within 1000 ms: b3.
    expect(out).toEqual([["a0", "b3", 0]]);
    expect(run.engine.counters()["j.dropped"]).toBe(2);
  });

  it("drops entries older than the tolerance behind the newest timestamp, without counting them", async () => {
    const { out, run } = await joinRun({ toleranceMs: 100 }, [["b", 0, "b0"], ["b", 500, "b500"], ["a", 50, "late a"]]);
    // b0 expired when b500 arrived (500 - 100 > 0): the late a finds nothing.
    expect(out).toEqual([]);
    expect(run.engine.counters()["j.dropped"]).toBeUndefined();
    expect(run.engine.counters()["j.unmatched"]).toBe(1);
  });

  it("keeps its buffers per node", async () => {
    const run = await runInHarness({
      nodes: {
        x: { block: join, config: { toleranceMs: 10 }, outputs: ["out"] },
        y: { block: join, config: { toleranceMs: 10 }, outputs: ["out"] },
      },
      capture: ["x.out", "y.out"],
      inject: ["x.a", "x.b", "y.a"],
    });
    run.send("x.b", "xb", START);
    run.send("y.a", "ya", START);
    run.send("x.a", "xa", START);
    await run.runUntil();
    expect(run.captured.get("x.out")?.map((m) => m.value)).toEqual([{ a: "xa", b: "xb", ts: START }]);
    expect(run.captured.get("y.out")).toBeUndefined();
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { toleranceMs: 100 };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ toleranceMs: 100, mode: "a", maxBuffered: 1000 });
    expect(validateConfig({ toleranceMs: 0, mode: "both", maxBuffered: 10 })).toBe(true);
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ toleranceMs: -1 })).toBe(false);
    expect(validateConfig({ toleranceMs: 10, mode: "b" })).toBe(false);
    expect(validateConfig({ toleranceMs: 10, maxBuffered: 0 })).toBe(false);
    expect(validateConfig({ toleranceMs: 10, window: 5 })).toBe(false);
  });
});
