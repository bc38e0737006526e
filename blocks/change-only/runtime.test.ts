import { describe, expect, it } from "vitest";
import type { Quality } from "../../runtime/block.ts";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import changeOnly, { sameValue } from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

/** `values` as [ms after START, value, quality?]; returns the passed messages as [ms, value, quality]. */
async function pass(config: Record<string, unknown>, values: Array<[number, unknown, Quality?]>) {
  const run = await runInHarness({
    nodes: { co: { block: changeOnly, config, outputs: ["out"] } },
    capture: ["co.out"],
    inject: ["co.in"],
  });
  for (const [at, value, quality] of values) run.engine.emitFrom("__inject", "p0", value, { ts: START + at, quality: quality ?? "good" });
  await run.runUntil();
  await run.stop();
  return { run, out: (run.captured.get("co.out") ?? []).map((m) => [m.ts - START, m.value, m.quality]) };
}

const values = (out: unknown[][]) => out.map(([, v]) => v);

describe("dengta.filter.change-only", () => {
  it("passes the first message, then only changes of value, with ts and quality", async () => {
    const { out, run } = await pass({}, [[0, 1], [10, 1], [20, 2], [30, 2], [40, 1], [50, 1]]);
    expect(out).toEqual([[0, 1, "good"], [20, 2, "good"], [40, 1, "good"]]);
    expect(run.captured.get("co.out")?.[0]?.source).toBe("co");
  });

  it("compares numbers exactly: NaN equals NaN, 0 equals -0, a tiny change passes", async () => {
    const { out } = await pass({}, [[0, Number.NaN], [1, Number.NaN], [2, 0], [3, -0], [4, 1e-12], [5, 1e-12]]);
    expect(values(out)).toEqual([Number.NaN, 0, 1e-12]);
  });

  it("passes the first message whatever it is, including null", async () => {
    const { out } = await pass({}, [[0, null], [1, null], [2, undefined], [3, "null"], [4, "null"]]);
    expect(values(out)).toEqual([null, undefined, "null"]);
  });

  it("compares plain objects and arrays by content, whatever the key order", async () => {
    const { out } = await pass({}, [
      [0, { a: 1, b: [1, { c: 2 }] }],
      [1, { b: [1, { c: 2 }], a: 1 }],
      [2, { a: 1, b: [1, { c: 3 }] }],
      [3, { a: 1, b: [1, { c: 3 }], d: undefined }],
      [4, [1, 2]],
      [5, [1, 2]],
      [6, [2, 1]],
      [7, { 0: 2, 1: 1 }],
    ]);
    expect(out.map(([t]) => t)).toEqual([0, 2, 3, 4, 6, 7]);
  });

  it("does not take different types for the same value", async () => {
    const { out } = await pass({}, [[0, 1], [1, "1"], [2, true], [3, 1], [4, [1]], [5, 1]]);
    expect(values(out)).toEqual([1, "1", true, 1, [1], 1]);
  });

  it("a change of quality passes by default", async () => {
    const { out } = await pass({}, [[0, 5], [10, 5, "bad"], [20, 5, "bad"], [30, 5], [40, 5]]);
    expect(out).toEqual([[0, 5, "good"], [10, 5, "bad"], [30, 5, "good"]]);
  });

  it("includeQuality false looks at the value only", async () => {
    const { out } = await pass({ includeQuality: false }, [[0, 5], [10, 5, "bad"], [20, 6, "bad"], [30, 6]]);
    expect(out).toEqual([[0, 5, "good"], [20, 6, "bad"]]);
  });

  it("compares dates by time and other objects by identity", () => {
    expect(sameValue(new Date(5), new Date(5))).toBe(true);
    expect(sameValue(new Date(5), new Date(6))).toBe(false);
    expect(sameValue(new Date(Number.NaN), new Date(Number.NaN))).toBe(true);
    const bytes = new Uint8Array([1, 2]);
    expect(sameValue(bytes, bytes)).toBe(true);
    expect(sameValue(bytes, new Uint8Array([1, 2]))).toBe(false);
    expect(sameValue(Object.assign(Object.create(null), { a: 1 }), { a: 1 })).toBe(true);
    expect(sameValue({ a: 1 }, [1])).toBe(false);
    expect(sameValue([], {})).toBe(false);
  });

  it("keeps its last value per node", async () => {
    const run = await runInHarness({
      nodes: {
        a: { block: changeOnly, outputs: ["out"] },
        b: { block: changeOnly, outputs: ["out"] },
      },
      capture: ["a.out", "b.out"],
      inject: ["a.in", "b.in"],
    });
    run.send("a.in", "x");
    run.send("b.in", "y");
    run.send("a.in", "y");
    run.send("b.in", "y");
    await run.runUntil();
    expect(run.captured.get("a.out")?.map((m) => m.value)).toEqual(["x", "y"]);
    expect(run.captured.get("b.out")?.map((m) => m.value)).toEqual(["y"]);
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = {};
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ includeQuality: true });
    expect(validateConfig({ includeQuality: false })).toBe(true);
    expect(validateConfig({ includeQuality: "yes" })).toBe(false);
    expect(validateConfig({ deep: true })).toBe(false);
  });
});
