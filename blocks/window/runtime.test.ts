import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import windowBlock, { type WindowResult } from "./runtime.ts";

const START = Date.UTC(2026, 0, 1); // a whole day, hour, minute and second after the epoch

async function harness(config: Record<string, unknown>) {
  const run = await runInHarness({
    nodes: { win: { block: windowBlock, config, outputs: ["out"] } },
    capture: ["win.out"],
    inject: ["win.in"],
  });
  const windows = () => (run.captured.get("win.out") ?? []).map((m) => {
    const w = m.value as WindowResult;
    return { ...w, start: w.start - START, end: w.end - START, ts: m.ts - START };
  });
  const feed = (values: Array<[number, unknown]>) => {
    for (const [at, value] of values) run.send("win.in", value, START + at);
  };
  return { run, windows, feed };
}

const emptyWindow = { count: 0, min: null, max: null, mean: null, sum: 0, first: null, last: null, partial: false };

describe("dengta.transform.window", () => {
  it("groups by message time into [start, end) windows and sends each at its end", async () => {
    const { run, windows, feed } = await harness({ sizeMs: 1000 });
    feed([[0, 1], [500, 3], [999, 2], [1000, 10], [1999, 20], [2500, 5]]);
    await run.runUntil();
    expect(windows()).toEqual([
      { start: 0, end: 1000, ts: 1000, count: 3, min: 1, max: 3, mean: 2, sum: 6, first: 1, last: 2, partial: false },
      { start: 1000, end: 2000, ts: 2000, count: 2, min: 10, max: 20, mean: 15, sum: 30, first: 10, last: 20, partial: false },
      // closed by the timer at its end: no later message came
      { start: 2000, end: 3000, ts: 3000, count: 1, min: 5, max: 5, mean: 5, sum: 5, first: 5, last: 5, partial: false },
    ]);
    expect(run.captured.get("win.out")?.map((m) => [m.source, m.quality])).toEqual([["win", "good"], ["win", "good"], ["win", "good"]]);
    expect(run.engine.isIdle()).toBe(true);
    await run.stop();
  });

  it("aligns windows to the epoch, or to alignToMs after it", async () => {
    const hourly = await harness({ sizeMs: 3_600_000 });
    hourly.feed([[1_800_000, 1], [3_599_999, 2], [3_600_000, 3]]);
    await hourly.run.runUntil();
    expect(hourly.windows().map((w) => [w.start, w.end, w.count, w.sum])).toEqual([[0, 3_600_000, 2, 3], [3_600_000, 7_200_000, 1, 3]]);
    await hourly.run.stop();

    const shifted = await harness({ sizeMs: 1000, alignToMs: 250 });
    shifted.feed([[0, 1], [249, 2], [250, 3], [1249, 4], [1250, 5]]);
    await shifted.run.runUntil();
    expect(shifted.windows().map((w) => [w.start, w.end, w.ts, w.first, w.last])).toEqual([
      [-750, 250, 250, 1, 2],
      [250, 1250, 1250, 3, 4],
      [1250, 2250, 2250, 5, 5],
    ]);
    await shifted.run.stop();
  });

  it("a negative alignment makes daily windows start at midnight China time", async () => {
    const { run, windows, feed } = await harness({ sizeMs: 86_400_000, alignToMs: -28_800_000 });
    // START is 08:00 in Shanghai; 15:59:59.999 UTC is 23:59:59.999 there, 16:00 UTC the next day.
    feed([[0, 1], [57_599_999, 2], [57_600_000, 3]]);
    await run.runUntil();
    expect(windows().map((w) => [w.start, w.end, w.count])).toEqual([[-28_800_000, 57_600_000, 2], [57_600_000, 144_000_000, 1]]);
    await run.stop();
  });

  it("emitEmpty sends the windows of a gap between values, and keeps sending while the source is silent", async () => {
    const { run, windows, feed } = await harness({ sizeMs: 1000, emitEmpty: true });
    feed([[100, 4], [3500, 6]]);
    await run.runUntil(START + 6000);
    expect(windows()).toEqual([
      { start: 0, end: 1000, ts: 1000, count: 1, min: 4, max: 4, mean: 4, sum: 4, first: 4, last: 4, partial: false },
      { start: 1000, end: 2000, ts: 2000, ...emptyWindow },
      { start: 2000, end: 3000, ts: 3000, ...emptyWindow },
      { start: 3000, end: 4000, ts: 4000, count: 1, min: 6, max: 6, mean: 6, sum: 6, first: 6, last: 6, partial: false },
      { start: 4000, end: 5000, ts: 5000, ...emptyWindow },
      { start: 5000, end: 6000, ts: 6000, ...emptyWindow },
    ]);
    await run.stop();
  });

  it("without emitEmpty a gap sends nothing, and the engine goes idle after the last window", async () => {
    const { run, windows, feed } = await harness({ sizeMs: 1000 });
    feed([[100, 4], [3500, 6]]);
    await run.runUntil();
    expect(windows().map((w) => [w.start, w.count])).toEqual([[0, 1], [3000, 1]]);
    expect(run.engine.isIdle()).toBe(true);
    await run.stop();
  });

  it("a gap of more than 10,000 empty windows is sent as one empty window", async () => {
    const { run, windows, feed } = await harness({ sizeMs: 1, emitEmpty: true });
    feed([[0, 1], [20_001, 2]]);
    await run.runUntil(START + 20_002);
    expect(windows().map((w) => [w.start, w.end, w.count])).toEqual([[0, 1, 1], [1, 20_001, 0], [20_001, 20_002, 1]]);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      "no values for 20000 windows: sent one empty window for the whole gap",
    ]);
    await run.stop();
  });

  it("the clock closes the window of a silent source at its end; a value for it after that is late", async () => {
    const { run, windows, feed } = await harness({ sizeMs: 1000 });
    feed([[100, 7], [200, 8]]);
    await run.runUntil(START + 999);
    expect(windows()).toEqual([]);
    await run.runUntil(START + 1000);
    expect(windows().map((w) => [w.ts, w.count, w.sum])).toEqual([[1000, 2, 15]]);
    feed([[900, 9], [1200, 10]]);
    await run.runUntil();
    expect(windows().map((w) => [w.start, w.count, w.sum])).toEqual([[0, 2, 15], [1000, 1, 10]]);
    expect(run.engine.counters()["win.late"]).toBe(1);
    await run.stop();
  });

  it("sends the partial window on stop, marked partial, at the time of stop", async () => {
    const { run, windows, feed } = await harness({ sizeMs: 60_000 });
    feed([[60_000, 1.5], [61_000, 2.5], [75_000, -1]]);
    await run.runUntil(START + 80_000);
    await run.stop();
    expect(windows()).toEqual([
      { start: 60_000, end: 120_000, ts: 80_000, count: 3, min: -1, max: 2.5, mean: 1, sum: 3, first: 1.5, last: -1, partial: true },
    ]);
  });

  it("sends nothing on stop when no window is open", async () => {
    const { run, windows } = await harness({ sizeMs: 1000, emitEmpty: true });
    await run.stop();
    expect(windows()).toEqual([]);
  });

  it("ignores values that are not finite numbers, with a warning and a count", async () => {
    const { run, windows, feed } = await harness({ sizeMs: 1000 });
    feed([[0, "3"], [1, null], [2, Number.NaN], [3, 2], [4, Infinity]]);
    await run.runUntil();
    expect(windows().map((w) => [w.count, w.sum])).toEqual([[1, 2]]);
    expect(run.engine.counters()["win.invalid"]).toBe(4);
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { sizeMs: 60000 };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ sizeMs: 60000, alignToMs: 0, emitEmpty: false });
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ sizeMs: 0 })).toBe(false);
    expect(validateConfig({ sizeMs: 1.5 })).toBe(false);
    expect(validateConfig({ sizeMs: 1000, hop: 500 })).toBe(false);
  });
});
