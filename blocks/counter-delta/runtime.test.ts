import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import counterDelta from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

async function start(config: Record<string, unknown>, dataDir?: string) {
  return runInHarness({
    nodes: { cd: { block: counterDelta, config, outputs: ["out"] } },
    capture: ["cd.out"],
    inject: ["cd.in"],
    ...(dataDir === undefined ? {} : { dataDir }),
  });
}

/** Sends `values` 1 s apart; returns the increments as [ms after START, delta]. */
async function deltas(config: Record<string, unknown>, values: unknown[], dataDir?: string) {
  const run = await start(config, dataDir);
  values.forEach((v, i) => run.send("cd.in", v, START + i * 1000));
  await run.runUntil();
  await run.stop();
  return { run, out: (run.captured.get("cd.out") ?? []).map((m) => [m.ts - START, m.value]) };
}

const values = (out: unknown[][]) => out.map(([, v]) => v);

describe("dengta.transform.counter-delta", () => {
  it("the first value sets the base; then each value emits its increase, zero included", async () => {
    const { out } = await deltas({}, [1000, 1003, 1003, 1010, 1011]);
    expect(out).toEqual([[1000, 3], [2000, 0], [3000, 7], [4000, 1]]);
  });

  it("emitFirst sends 0 for the first value", async () => {
    expect(values((await deltas({ emitFirst: true }, [500, 502])).out)).toEqual([0, 2]);
  });

  it("a wrap at max 65535 counts the parts on both sides of it", async () => {
    const { run, out } = await deltas({ max: 65535 }, [65530, 65535, 2, 10]);
    // 65535 → 2 is 65535 − 65535 + 2 + 1 = 3 parts (…65535, 0, 1, 2).
    expect(values(out)).toEqual([5, 3, 8]);
    expect(run.engine.counters()["cd.rollovers"]).toBe(1);
    expect(run.engine.counters()["cd.resets"]).toBeUndefined();
    expect(run.logs.filter((l) => l.level === "warn")).toEqual([]);
  });

  it("a wrap of a 32-bit counter, by default max 4294967295", async () => {
    expect(values((await deltas({}, [4294967290, 5])).out)).toEqual([11]);
  });

  it("a smaller drop is a reset: counts the new value, with a count and a warning", async () => {
    const { run, out } = await deltas({ max: 65535 }, [1200, 1250, 0, 4, 30000, 2]);
    // 1250 → 0 and 30000 → 2 drop by less than half of 65535.
    expect(values(out)).toEqual([50, 0, 4, 29996, 2]);
    expect(run.engine.counters()["cd.resets"]).toBe(2);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      "counter went back from 1250 to 0: taken as a reset, counting 0",
      "counter went back from 30000 to 2: taken as a reset, counting 2",
    ]);
  });

  it("rolloverThreshold sets where a reset ends and a rollover begins", async () => {
    // 1000 → 100 drops by 900: more than 0.1 × 1000 = 100, so a rollover: 1000 − 1000 + 100 + 1 = 101. With 0.95 it is a reset.
    expect(values((await deltas({ max: 1000, rolloverThreshold: 0.1 }, [1000, 100])).out)).toEqual([101]);
    expect(values((await deltas({ max: 1000, rolloverThreshold: 0.95 }, [1000, 100])).out)).toEqual([100]);
  });

  it("keeps the last value in the embedded database, so a restart neither loses nor double counts", async () => {
    const first = await deltas({ max: 65535 }, [100, 105, 110]);
    expect(values(first.out)).toEqual([5, 5]);
    const second = await deltas({ max: 65535 }, [117, 120], first.run.dataDir);
    expect(values(second.out)).toEqual([7, 3]);
    // A wrap while the APP was stopped still counts right.
    const third = await deltas({ max: 65535 }, [65530], second.run.dataDir);
    const fourth = await deltas({ max: 65535 }, [4], third.run.dataDir);
    expect(values(third.out)).toEqual([65410]);
    expect(values(fourth.out)).toEqual([10]);
  });

  it("a stored value that does not fit a smaller max is dropped and the next value sets a new base", async () => {
    const first = await deltas({}, [100000]);
    const second = await deltas({ max: 65535 }, [50, 60], first.run.dataDir);
    expect(values(second.out)).toEqual([10]);
    expect(second.run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      "the stored counter value 100000 does not fit max 65535: the next value sets a new base",
    ]);
  });

  it("ignores values that are not whole numbers from 0 to max, with a warning and a count, keeping its base", async () => {
    const { run, out } = await deltas({ max: 65535 }, [10, "12", null, Number.NaN, -1, 12.5, 70000, 15]);
    expect(values(out)).toEqual([5]);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      'ignored a value that is not a finite number: "12"',
      "ignored a value that is not a finite number: null",
      "ignored a value that is not a finite number: NaN",
      "ignored a counter value that is not a whole number from 0 to 65535: -1",
      "ignored a counter value that is not a whole number from 0 to 65535: 12.5",
      "ignored a counter value that is not a whole number from 0 to 65535: 70000",
    ]);
    expect(run.engine.counters()["cd.invalid"]).toBe(6);
  });

  it("skips bad-quality readings, so a dropped connection's 0 is not a reset", async () => {
    const run = await start({ max: 65535 });
    run.engine.emitFrom("__inject", "p0", 100, { ts: START });
    run.engine.emitFrom("__inject", "p0", 0, { ts: START + 1000, quality: "bad" });
    run.engine.emitFrom("__inject", "p0", 104, { ts: START + 2000, quality: "uncertain" });
    await run.runUntil();
    expect(run.captured.get("cd.out")?.map((m) => [m.ts - START, m.value, m.quality, m.source])).toEqual([[2000, 4, "uncertain", "cd"]]);
    expect(run.engine.counters()["cd.bad"]).toBe(1);
    await run.stop();
  });

  it("keeps its base per node", async () => {
    const run = await runInHarness({
      nodes: {
        a: { block: counterDelta, config: {}, outputs: ["out"] },
        b: { block: counterDelta, config: {}, outputs: ["out"] },
      },
      capture: ["a.out", "b.out"],
      inject: ["a.in", "b.in"],
    });
    run.send("a.in", 10);
    run.send("b.in", 500);
    run.send("a.in", 12);
    run.send("b.in", 510);
    await run.runUntil();
    expect(run.captured.get("a.out")?.map((m) => m.value)).toEqual([2]);
    expect(run.captured.get("b.out")?.map((m) => m.value)).toEqual([10]);
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = {};
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ max: 4294967295, rolloverThreshold: 0.5, emitFirst: false });
    expect(validateConfig({ max: 65535, rolloverThreshold: 0.8, emitFirst: true })).toBe(true);
    expect(validateConfig({ max: 0 })).toBe(false);
    expect(validateConfig({ max: 65535.5 })).toBe(false);
    expect(validateConfig({ rolloverThreshold: 0 })).toBe(false);
    expect(validateConfig({ rolloverThreshold: 1.5 })).toBe(false);
    expect(validateConfig({ wrap: 65535 })).toBe(false);
  });
});
