import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import map from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

function runMap(expression: string, limits: { timeoutMs?: number; memoryLimitMb?: number } = {}) {
  return runInHarness({
    nodes: { calc: { block: map, config: { expression, ...limits }, outputs: ["out", "error"] } },
    capture: ["calc.out", "calc.error"],
    inject: ["calc.in"],
  });
}

describe("dengta.flow.map", () => {
  it("evaluates the expression on each value and keeps ts and quality", async () => {
    const run = await runMap("temperature * 1.8 + 32");
    run.send("calc.in", { temperature: 100 }, START + 5);
    run.engine.emitFrom("__inject", "p0", { temperature: 0 }, { ts: START + 6, quality: "uncertain" });
    await run.runUntil();
    const out = run.captured.get("calc.out") ?? [];
    expect(out.map((m) => [m.value, m.ts - START, m.quality, m.source])).toEqual([
      [212, 5, "good", "calc"],
      [32, 6, "uncertain", "calc"],
    ]);
    await run.stop();
  });

  it("binds $ts, $quality and $source", async () => {
    const run = await runMap('{ "at": $fromMillis($ts), "q": $quality, "from": $source, "v": $ }');
    run.send("calc.in", 7, START + 1500);
    await run.runUntil();
    expect(run.captured.get("calc.out")?.[0]?.value).toEqual({
      at: "2026-01-01T00:00:01.500Z", q: "good", from: "__inject", v: 7,
    });
    await run.stop();
  });

  it("sends plain objects and arrays, without JSONata's markers", async () => {
    const run = await runMap('{ "total": $sum(items.qty), "names": items.name, "first": items[0] }');
    const input = { items: [{ name: "a", qty: 2 }, { name: "b", qty: 3 }] };
    run.send("calc.in", input);
    await run.runUntil();
    const [result] = run.captured.get("calc.out") ?? [];
    expect(result?.value).toStrictEqual({ total: 5, names: ["a", "b"], first: { name: "a", qty: 2 } });
    expect(Object.getPrototypeOf(result?.value)).toBe(Object.prototype);
    expect(Object.keys((result?.value as { names: string[] }).names)).toEqual(["0", "1"]);
    expect((result?.value as { first: unknown }).first).toBe(input.items[0]);
    await run.stop();
  });

  it("passes the input itself through when the expression is $", async () => {
    const run = await runMap("$");
    const input = { a: [1, 2] };
    run.send("calc.in", input);
    await run.runUntil();
    expect(run.captured.get("calc.out")?.[0]?.value).toBe(input);
    await run.stop();
  });

  it("emits nothing when the result is undefined", async () => {
    const run = await runMap("missing.field");
    run.send("calc.in", { other: 1 });
    run.send("calc.in", { missing: { field: false } });
    await run.runUntil();
    expect(run.captured.get("calc.out")?.map((m) => m.value)).toEqual([false]);
    await run.stop();
  });

  it("reports an evaluation error on the error port and goes on with the next message", async () => {
    const run = await runMap("a + 1");
    run.send("calc.in", { a: "text" }, START + 10);
    run.send("calc.in", { a: 41 }, START + 20);
    await run.runUntil();
    const errors = run.captured.get("calc.error") ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]?.quality).toBe("bad");
    expect(errors[0]?.ts).toBe(START + 10);
    expect(errors[0]?.value).toMatchObject({ port: "in", input: { a: "text" } });
    expect((errors[0]?.value as { message: string }).message).toMatch(/JSONata evaluation failed: .*T2001 at position 3/);
    expect(run.logs.some((l) => l.level === "error" && l.node === "calc" && l.message.includes("T2001"))).toBe(true);
    expect(run.captured.get("calc.out")?.map((m) => m.value)).toEqual([42]);
    expect(run.engine.stats()["calc"]?.errors).toBe(1);
    await run.stop();
  });

  it("stops an endless recursion at its time limit, in both languages, and goes on with the next message", async () => {
    const run = await runMap("$ = 0 ? ($f := function($x) { $f($x + 1) }; $f(0)) : $ * 2", { timeoutMs: 50 });
    run.send("calc.in", 0, START + 10);
    run.send("calc.in", 21, START + 20);
    await run.runUntil();
    const errors = run.captured.get("calc.error") ?? [];
    expect(errors.map((m) => (m.value as { message: string }).message)).toEqual([
      expect.stringMatching(/JSONata evaluation stopped: it ran longer than its time limit of 50 ms \(timeoutMs\)/),
    ]);
    expect(run.captured.get("calc.out")?.map((m) => m.value)).toEqual([42]);
    await run.stop();
  });

  it("stops an evaluation that builds more than its memory limit", async () => {
    // Each step doubles the text: 2^22 characters (8 MB) is past a 4 MB limit long before the end.
    const run = await runMap('$reduce([1..40], function($acc, $i) { $acc & $acc }, "x") ~> $length()', { memoryLimitMb: 4, timeoutMs: 10_000 });
    run.send("calc.in", null, START + 10);
    run.send("calc.in", null, START + 20);
    await run.runUntil();
    const errors = run.captured.get("calc.error") ?? [];
    expect(errors).toHaveLength(2);
    expect((errors[0]?.value as { message: string }).message).toMatch(/memory limit of 4 MB \(memoryLimitMb\)/);
    expect(run.captured.get("calc.out")).toBeUndefined();
    await run.stop();
  });

  it("refuses to start with an invalid expression, naming the position", async () => {
    await expect(runMap("a + ")).rejects.toThrow(/invalid JSONata expression: .*S0207 at position 4/);
  });

  it("makes $now() and $millis() follow the engine clock, not the wall clock", async () => {
    const run = await runMap('[$millis(), $now(), $now("[H01]:[m01]", "+0800")]');
    await run.runUntil(START + 60_000);
    run.send("calc.in", null);
    await run.runUntil();
    expect(run.captured.get("calc.out")?.[0]?.value).toEqual([START + 60_000, "2026-01-01T00:01:00.000Z", "08:01"]);
    await run.stop();
  });

  it("does not change the frozen input", async () => {
    const run = await runMap("$merge([$, { \"b\": 2 }])");
    const input = Object.freeze({ a: 1 });
    run.send("calc.in", input);
    await run.runUntil();
    expect(run.captured.get("calc.out")?.[0]?.value).toEqual({ a: 1, b: 2 });
    expect(input).toEqual({ a: 1 });
    await run.stop();
  });

  it("keeps a compiled expression per node", async () => {
    const run = await runInHarness({
      nodes: {
        double: { block: map, config: { expression: "$ * 2" }, outputs: ["out", "error"] },
        negate: { block: map, config: { expression: "-$" }, outputs: ["out", "error"] },
      },
      capture: ["double.out", "negate.out"],
      inject: ["double.in", "negate.in"],
    });
    run.send("double.in", 5);
    run.send("negate.in", 5);
    await run.runUntil();
    expect(run.captured.get("double.out")?.map((m) => m.value)).toEqual([10]);
    expect(run.captured.get("negate.out")?.map((m) => m.value)).toEqual([-5]);
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    expect(validateConfig({ expression: "a.b" })).toBe(true);
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ expression: "" })).toBe(false);
  });
});
