import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import machineState from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);
const MAP = { "1": "running", "2": "idle", "3": "setup", "4": "down" };

/** `codes` as [ms after START, code]; times in the outputs are ms after START too. */
async function mapStates(config: Record<string, unknown>, codes: Array<[number, unknown]>) {
  const run = await runInHarness({
    nodes: { ms: { block: machineState, config, outputs: ["out", "duration"] } },
    capture: ["ms.out", "ms.duration"],
    inject: ["ms.in"],
  });
  for (const [at, code] of codes) run.send("ms.in", code, START + at);
  await run.runUntil();
  await run.stop();
  const out = (run.captured.get("ms.out") ?? []).map((m) => {
    const v = m.value as { state: string; code: unknown; since: number };
    return [m.ts - START, v.state, v.code, v.since - START];
  });
  const durations = (run.captured.get("ms.duration") ?? []).map((m) => {
    const v = m.value as { state: string; start: number; end: number; durationMs: number };
    return [v.state, v.start - START, v.end - START, v.durationMs];
  });
  return { run, out, durations };
}

describe("dengta.transform.machine-state", () => {
  it("maps codes and emits the state only when it changes, with the time it began", async () => {
    const { out } = await mapStates({ map: MAP }, [[0, 1], [100, 1], [200, 2], [300, 2], [400, 4], [500, 1]]);
    expect(out).toEqual([
      [0, "running", 1, 0],
      [200, "idle", 2, 200],
      [400, "down", 4, 400],
      [500, "running", 1, 500],
    ]);
  });

  it("emits each finished state period on duration", async () => {
    const { durations } = await mapStates({ map: MAP }, [[0, 1], [60_000, 1], [90_000, 3], [150_000, 1], [400_000, 4]]);
    expect(durations).toEqual([
      ["running", 0, 90_000, 90_000],
      ["setup", 90_000, 150_000, 60_000],
      ["running", 150_000, 400_000, 250_000],
    ]);
  });

  it("matches numbers and text alike, and two codes for one state are no change", async () => {
    const { out, durations } = await mapStates({ map: { ...MAP, "E-STOP": "down", "5": "down" } }, [[0, "1"], [10, 4], [20, 5], [30, "E-STOP"], [40, 1]]);
    expect(out).toEqual([[0, "running", "1", 0], [10, "down", 4, 10], [40, "running", 1, 40]]);
    expect(durations).toEqual([["running", 0, 10, 10], ["down", 10, 40, 30]]);
  });

  it("emitEvery sends the state for every code, keeping since at the last change", async () => {
    const { out } = await mapStates({ map: MAP, emitEvery: true }, [[0, 1], [100, 1], [200, 2], [300, 2]]);
    expect(out).toEqual([[0, "running", 1, 0], [100, "running", 1, 0], [200, "idle", 2, 200], [300, "idle", 2, 200]]);
  });

  it("an unknown code is state unknown, with one warning per code and a count for each", async () => {
    const { run, out, durations } = await mapStates({ map: MAP }, [[0, 1], [10, 9], [20, 9], [30, "X"], [40, 2]]);
    expect(out).toEqual([[0, "running", 1, 0], [10, "unknown", 9, 10], [40, "idle", 2, 40]]);
    expect(durations).toEqual([["running", 0, 10, 10], ["unknown", 10, 40, 30]]);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      'state code 9 is not in the map: state "unknown"',
      'state code "X" is not in the map: state "unknown"',
    ]);
    expect(run.engine.counters()["ms.unknown"]).toBe(3);
  });

  it("a default state takes unknown codes silently", async () => {
    const { run, out } = await mapStates({ map: MAP, default: "down" }, [[0, 1], [10, 77], [20, 4], [30, 1]]);
    expect(out).toEqual([[0, "running", 1, 0], [10, "down", 77, 10], [30, "running", 1, 30]]);
    expect(run.logs.filter((l) => l.level === "warn")).toEqual([]);
  });

  it("ignores values that are neither number nor text, with a warning and a count", async () => {
    const { run, out } = await mapStates({ map: MAP }, [[0, 1], [10, null], [20, true], [30, Number.NaN], [40, 2]]);
    expect(out.map(([, state]) => state)).toEqual(["running", "idle"]);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      "ignored a state code that is not a number or text: null",
      "ignored a state code that is not a number or text: boolean",
      "ignored a state code that is not a number or text: NaN",
    ]);
    expect(run.engine.counters()["ms.invalid"]).toBe(3);
  });

  it("names inherited from Object (toString, __proto__) are not codes", async () => {
    const { out } = await mapStates({ map: MAP }, [[0, "toString"], [10, "__proto__"], [20, 1]]);
    expect(out.map(([, state]) => state)).toEqual(["unknown", "running"]);
  });

  it("keeps its state per node", async () => {
    const run = await runInHarness({
      nodes: {
        a: { block: machineState, config: { map: MAP }, outputs: ["out", "duration"] },
        b: { block: machineState, config: { map: MAP }, outputs: ["out", "duration"] },
      },
      capture: ["a.out", "b.out"],
      inject: ["a.in", "b.in"],
    });
    run.send("a.in", 1);
    run.send("b.in", 1);
    run.send("a.in", 1);
    run.send("b.in", 2);
    await run.runUntil();
    expect(run.captured.get("a.out")?.map((m) => (m.value as { state: string }).state)).toEqual(["running"]);
    expect(run.captured.get("b.out")?.map((m) => (m.value as { state: string }).state)).toEqual(["running", "idle"]);
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { map: MAP };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ map: MAP, default: "unknown", emitEvery: false });
    expect(validateConfig({ map: { A: "down" }, default: "idle", emitEvery: true })).toBe(true);
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ map: {} })).toBe(false);
    expect(validateConfig({ map: { "1": "stopped" } })).toBe(false);
    expect(validateConfig({ map: MAP, default: "off" })).toBe(false);
    expect(validateConfig({ map: MAP, emitChanges: true })).toBe(false);
  });
});
