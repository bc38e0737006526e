import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import { History, openDatabase } from "../../runtime/storage/index.ts";
import sqliteSink from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

function startSink(config: Record<string, unknown>) {
  return runInHarness({ nodes: { history: { block: sqliteSink, config, outputs: [] } }, inject: ["history.in"], startMs: START });
}

function readHistory(dataDir: string, series: string) {
  const db = openDatabase(join(dataDir, "dengta.db"));
  try {
    return new History(db).query(series, 0, Number.MAX_SAFE_INTEGER);
  } finally {
    db.close();
  }
}

describe("dengta.store.sqlite", () => {
  it("writes each message as a row of the sender's series, flushed on stop", async () => {
    const run = await startSink({});
    run.send("history.in", 21.5, START);
    run.send("history.in", { a: [1, "x"] }, START + 1500);
    run.engine.emitFrom("__inject", "p0", null, { ts: START + 2000, quality: "bad" });
    await run.stop();
    expect(readHistory(run.dataDir, "__inject")).toEqual([
      { ts: START, value: 21.5, quality: "good" },
      { ts: START + 1500, value: { a: [1, "x"] }, quality: "good" },
      { ts: START + 2000, value: null, quality: "bad" },
    ]);
    expect(run.engine.counters()["history.written"]).toBe(3);
  });

  it("writes a batch every flushEvery messages and the rest after flushAfterMs of clock time", async () => {
    const run = await startSink({ series: "temp", flushEvery: 3, flushAfterMs: 5000 });
    for (const value of [1, 2, 3, 4]) run.send("history.in", value);
    await run.runUntil(START + 4999);
    expect(readHistory(run.dataDir, "temp").map((p) => p.value)).toEqual([1, 2, 3]);
    await run.runUntil(START + 5000);
    expect(readHistory(run.dataDir, "temp").map((p) => p.value)).toEqual([1, 2, 3, 4]);
    expect(run.engine.isIdle()).toBe(true);
    await run.stop();
  });

  it("deletes rows older than maxAgeHours, counted as deleted", async () => {
    const run = await startSink({ series: "temp", flushEvery: 1, retention: { maxAgeHours: 2 } });
    for (let hour = 0; hour <= 4; hour++) {
      run.clock.moveTo(START + hour * HOUR);
      run.send("history.in", hour);
    }
    await run.stop();
    expect(readHistory(run.dataDir, "temp").map((p) => p.value)).toEqual([2, 3, 4]);
    expect(run.engine.counters()["history.deleted"]).toBe(2);
  });

  it("keeps its series within maxBytes, oldest rows first", async () => {
    const run = await startSink({ series: "temp", flushEvery: 10, retention: { maxBytes: 10_000 } });
    for (let n = 0; n < 1000; n++) run.send("history.in", { n, text: "x".repeat(40) }, START + n);
    await run.stop();
    const points = readHistory(run.dataDir, "temp");
    const db = openDatabase(join(run.dataDir, "dengta.db"));
    expect(new History(db).size("temp").bytes).toBeLessThanOrEqual(10_000);
    db.close();
    expect(points.at(-1)!.value).toEqual({ n: 999, text: "x".repeat(40) });
    expect(points.map((p) => (p.value as { n: number }).n)).toEqual(Array.from({ length: points.length }, (_, i) => 1000 - points.length + i));
    expect(run.engine.counters()["history.deleted"]).toBe(1000 - points.length);
  });

  it("shares one database with other nodes", async () => {
    const run = await runInHarness({
      nodes: {
        a: { block: sqliteSink, config: { series: "a" }, outputs: [] },
        b: { block: sqliteSink, config: { series: "b" }, outputs: [] },
      },
      inject: ["a.in", "b.in"],
    });
    run.send("a.in", 1);
    run.send("b.in", 2);
    await run.stop();
    expect(readHistory(run.dataDir, "a").map((p) => p.value)).toEqual([1]);
    expect(readHistory(run.dataDir, "b").map((p) => p.value)).toEqual([2]);
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = {};
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ retention: { maxAgeHours: 720, maxBytes: 1073741824 }, flushEvery: 100, flushAfterMs: 1000 });
    expect(validateConfig({ series: "" })).toBe(false);
    expect(validateConfig({ retention: { maxAgeHours: 0 } })).toBe(false);
    expect(validateConfig({ retention: { days: 1 } })).toBe(false);
    expect(validateConfig({ table: "verdicts" })).toBe(false);
  });
});
