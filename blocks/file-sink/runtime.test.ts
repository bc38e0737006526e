import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import fileSink from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

function startSink(config: Record<string, unknown>, dataDir?: string) {
  return runInHarness({
    nodes: { save: { block: fileSink, config, outputs: [] } },
    inject: ["save.in"],
    ...(dataDir === undefined ? {} : { dataDir }),
  });
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n");
}

describe("dengta.store.file", () => {
  it("writes JSON lines under the node's data folder, buffered until stop", async () => {
    const run = await startSink({ file: "out/values.jsonl" });
    const path = join(run.dataDir, "save", "out", "values.jsonl");
    run.send("save.in", 21.5, START);
    run.send("save.in", { a: [1, "x"] }, START + 1500);
    run.send("save.in", "text", START + 2000);
    run.send("save.in", null, START + 2001);
    await run.runUntil();
    expect(existsSync(path)).toBe(false);
    await run.stop();
    expect(lines(path)).toEqual([
      '{"ts":"2026-01-01T00:00:00.000Z","source":"__inject","quality":"good","value":21.5}',
      '{"ts":"2026-01-01T00:00:01.500Z","source":"__inject","quality":"good","value":{"a":[1,"x"]}}',
      '{"ts":"2026-01-01T00:00:02.000Z","source":"__inject","quality":"good","value":"text"}',
      '{"ts":"2026-01-01T00:00:02.001Z","source":"__inject","quality":"good","value":null}',
      "",
    ]);
    expect(run.engine.counters()["save.written"]).toBe(4);
  });

  it("appends every flushEvery messages", async () => {
    const run = await startSink({ file: "v.jsonl", flushEvery: 2 });
    const path = join(run.dataDir, "save", "v.jsonl");
    for (const value of [1, 2, 3]) run.send("save.in", value);
    await run.runUntil();
    expect(lines(path).map((line) => line && JSON.parse(line).value)).toEqual([1, 2, ""]);
    expect(run.engine.counters()["save.written"]).toBe(2);
    await run.stop();
    expect(lines(path).map((line) => line && JSON.parse(line).value)).toEqual([1, 2, 3, ""]);
    expect(run.engine.counters()["save.written"]).toBe(3);
  });

  it("writes CSV with a header and escapes commas, quotes and non-primitive values", async () => {
    const run = await startSink({ file: "values.csv", format: "csv" });
    run.send("save.in", 3.25, START);
    run.send("save.in", 'He said "hi", then left', START + 1);
    run.engine.emitFrom("__inject", "p0", { temp: 20, unit: "°C" }, { ts: START + 2, quality: "uncertain" });
    run.send("save.in", true, START + 3);
    run.send("save.in", null, START + 4);
    run.send("save.in", "line\nbreak", START + 5);
    await run.stop();
    expect(readFileSync(join(run.dataDir, "save", "values.csv"), "utf8")).toBe([
      "ts,source,quality,value",
      "2026-01-01T00:00:00.000Z,__inject,good,3.25",
      '2026-01-01T00:00:00.001Z,__inject,good,"He said ""hi"", then left"',
      '2026-01-01T00:00:00.002Z,__inject,uncertain,"{""temp"":20,""unit"":""°C""}"',
      "2026-01-01T00:00:00.003Z,__inject,good,true",
      "2026-01-01T00:00:00.004Z,__inject,good,",
      '2026-01-01T00:00:00.005Z,__inject,good,"line\nbreak"',
      "",
    ].join("\n"));
  });

  it("appends to an existing CSV file without a second header", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-file-sink-"));
    for (const value of [1, 2]) {
      const run = await startSink({ file: "log/values.csv", format: "csv" }, dataDir);
      run.send("save.in", value, START + value);
      await run.stop();
    }
    expect(lines(join(dataDir, "save", "log", "values.csv"))).toEqual([
      "ts,source,quality,value",
      "2026-01-01T00:00:00.001Z,__inject,good,1",
      "2026-01-01T00:00:00.002Z,__inject,good,2",
      "",
    ]);
  });

  it("loses nothing and keeps the order across many flushes", async () => {
    const run = await startSink({ file: "seq.jsonl", flushEvery: 7 });
    for (let n = 1; n <= 1000; n++) run.send("save.in", n);
    await run.stop();
    const values = lines(join(run.dataDir, "save", "seq.jsonl")).filter(Boolean).map((line) => JSON.parse(line).value);
    expect(values).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(run.engine.counters()["save.written"]).toBe(1000);
  });

  it("keeps the lines of a failed append and writes them with the next flush", async () => {
    const run = await startSink({ file: "retry.jsonl", flushEvery: 1 });
    const path = join(run.dataDir, "save", "retry.jsonl");
    mkdirSync(path, { recursive: true });
    run.send("save.in", 1);
    expect(run.logs.filter((l) => l.level === "error").map((l) => l.node)).toEqual(["save"]);
    rmdirSync(path);
    run.send("save.in", 2);
    await run.stop();
    expect(lines(path).filter(Boolean).map((line) => JSON.parse(line).value)).toEqual([1, 2]);
  });

  it("refuses a path outside its data folder even when the schema was skipped", async () => {
    await expect(startSink({ file: "../escape.jsonl" })).rejects.toThrow(/outside the node's data folder/);
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { file: "out/values.jsonl" };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ file: "out/values.jsonl", format: "jsonl", flushEvery: 100 });
    for (const file of ["values.csv", "a/b/c.jsonl", "./x.csv", "name..with.dots.csv"]) {
      expect(validateConfig({ file }), file).toBe(true);
    }
    for (const file of ["", "/etc/passwd", "../x.csv", "a/../../x.csv", "a/..", "C:\\x.csv", "\\\\server\\x", "folder/"]) {
      expect(validateConfig({ file }), file).toBe(false);
    }
    expect(validateConfig({ file: "x.csv", format: "xlsx" })).toBe(false);
    expect(validateConfig({ file: "x.csv", flushEvery: 0 })).toBe(false);
  });
});
