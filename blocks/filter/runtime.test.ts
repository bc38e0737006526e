import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import { jsonataErrorText } from "../lib/jsonata.ts";
import filter from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

function runFilter(expression: string, outputs = ["out", "rejected", "error"]) {
  return runInHarness({
    nodes: { f: { block: filter, config: { expression }, outputs } },
    capture: outputs.map((port) => `f.${port}`),
    inject: ["f.in"],
  });
}

const got = (run: Awaited<ReturnType<typeof runFilter>>, port: string) => (run.captured.get(`f.${port}`) ?? []).map((m) => m.value);

describe("dengta.flow.filter", () => {
  it("passes matching messages unchanged on out and the others on rejected, keeping ts and quality", async () => {
    const run = await runFilter("temperature > 50");
    const hot = { temperature: 80 };
    run.send("f.in", { temperature: 20 }, START + 1);
    run.engine.emitFrom("__inject", "p0", hot, { ts: START + 2, quality: "uncertain" });
    run.send("f.in", { temperature: 50 }, START + 3);
    await run.runUntil();
    const out = run.captured.get("f.out") ?? [];
    expect(out.map((m) => [m.value, m.ts - START, m.quality, m.source])).toEqual([[hot, 2, "uncertain", "f"]]);
    expect(out[0]?.value).toBe(hot);
    expect(run.captured.get("f.rejected")?.map((m) => [m.value, m.ts - START])).toEqual([[{ temperature: 20 }, 1], [{ temperature: 50 }, 3]]);
    await run.stop();
  });

  it("treats no result (a missing field) as false", async () => {
    const run = await runFilter("status = 'running'");
    run.send("f.in", { status: "running" });
    run.send("f.in", { other: 1 });
    run.send("f.in", 42);
    await run.runUntil();
    expect(got(run, "out")).toEqual([{ status: "running" }]);
    expect(got(run, "rejected")).toEqual([{ other: 1 }, 42]);
    await run.stop();
  });

  it("works on plain values with $", async () => {
    const run = await runFilter("$ >= 0 and $ <= 10");
    for (const v of [-1, 0, 5, 10, 11]) run.send("f.in", v);
    await run.runUntil();
    expect(got(run, "out")).toEqual([0, 5, 10]);
    expect(got(run, "rejected")).toEqual([-1, 11]);
    await run.stop();
  });

  it("binds $ts, $quality and $source", async () => {
    const run = await runFilter("$quality = 'good' and $source = '__inject' and $ts >= " + (START + 1000));
    run.send("f.in", "early", START + 999);
    run.send("f.in", "late", START + 1000);
    run.engine.emitFrom("__inject", "p0", "bad", { ts: START + 2000, quality: "bad" });
    await run.runUntil();
    expect(got(run, "out")).toEqual(["late"]);
    expect(got(run, "rejected")).toEqual(["early", "bad"]);
    await run.stop();
  });

  it("rejected is optional: without it, non-matching messages are just not passed", async () => {
    // The engine lists every output of the manifest; here 'rejected' and 'error' are not connected.
    const wired = await runInHarness({
      nodes: { f: { block: filter, config: { expression: "$ > 1" }, outputs: ["out", "rejected", "error"] } },
      capture: ["f.out"],
      inject: ["f.in"],
    });
    for (const v of [1, 2, 3]) wired.send("f.in", v);
    await wired.runUntil();
    expect(wired.captured.get("f.out")?.map((m) => m.value)).toEqual([2, 3]);
    expect(wired.engine.stats()["f"]?.errors).toBe(0);
    await wired.stop();
  });

  it("reports an evaluation error on the error port and goes on with the next message", async () => {
    const run = await runFilter("a + 1 > 2");
    run.send("f.in", { a: "text" }, START + 10);
    run.send("f.in", { a: 5 }, START + 20);
    await run.runUntil();
    const errors = run.captured.get("f.error") ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]?.quality).toBe("bad");
    expect(errors[0]?.ts).toBe(START + 10);
    expect(errors[0]?.value).toMatchObject({ port: "in", input: { a: "text" } });
    expect((errors[0]?.value as { message: string }).message).toMatch(/JSONata evaluation failed: .*T2001 at position 3/);
    expect(got(run, "out")).toEqual([{ a: 5 }]);
    expect(got(run, "rejected")).toEqual([]);
    expect(run.engine.stats()["f"]?.errors).toBe(1);
    await run.stop();
  });

  it("a result that is not true or false is an error, not a guess", async () => {
    const run = await runFilter("a");
    run.send("f.in", { a: 1 });
    run.send("f.in", { a: "yes" });
    run.send("f.in", { a: null });
    run.send("f.in", { a: [true] });
    run.send("f.in", { a: true });
    run.send("f.in", { a: false });
    await run.runUntil();
    expect(got(run, "out")).toEqual([{ a: true }]);
    expect(got(run, "rejected")).toEqual([{ a: false }]);
    expect((run.captured.get("f.error") ?? []).map((m) => (m.value as { message: string }).message)).toEqual([
      "the filter expression must give true or false, not the number 1",
      'the filter expression must give true or false, not the text "yes"',
      "the filter expression must give true or false, not null",
      "the filter expression must give true or false, not an array",
    ]);
    await run.stop();
  });

  it("refuses to start with an invalid expression, naming the position", async () => {
    await expect(runFilter("a > ")).rejects.toThrow(/invalid JSONata expression: .*S0207 at position 4/);
  });

  it("makes $now() and $millis() follow the engine clock, not the wall clock", async () => {
    const run = await runFilter(`$millis() = ${START + 60_000} and $now() = "2026-01-01T00:01:00.000Z" and $now("[H01]:[m01]", "+0800") = "08:01"`);
    await run.runUntil(START + 60_000);
    run.send("f.in", null);
    await run.runUntil(START + 61_000);
    run.send("f.in", "later");
    await run.runUntil();
    expect(got(run, "out")).toEqual([null]);
    expect(got(run, "rejected")).toEqual(["later"]);
    await run.stop();
  });

  it("keeps a compiled expression per node", async () => {
    const run = await runInHarness({
      nodes: {
        pos: { block: filter, config: { expression: "$ > 0" }, outputs: ["out", "rejected", "error"] },
        neg: { block: filter, config: { expression: "$ < 0" }, outputs: ["out", "rejected", "error"] },
      },
      capture: ["pos.out", "neg.out"],
      inject: ["pos.in", "neg.in"],
    });
    run.send("pos.in", 5);
    run.send("neg.in", 5);
    run.send("neg.in", -5);
    await run.runUntil();
    expect(run.captured.get("pos.out")?.map((m) => m.value)).toEqual([5]);
    expect(run.captured.get("neg.out")?.map((m) => m.value)).toEqual([-5]);
    await run.stop();
  });

  it("turns JSONata's plain-object errors into readable text", () => {
    expect(jsonataErrorText({ code: "T2001", position: 3, message: "bad" })).toBe("bad (T2001 at position 3)");
    expect(jsonataErrorText({ message: "only text" })).toBe("only text");
    expect(jsonataErrorText(new Error("plain"))).toBe("plain");
    expect(jsonataErrorText("a string")).toBe("a string");
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    expect(validateConfig({ expression: "temperature > 50" })).toBe(true);
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ expression: "" })).toBe(false);
    expect(validateConfig({ expression: "$", invert: true })).toBe(false);
  });
});
