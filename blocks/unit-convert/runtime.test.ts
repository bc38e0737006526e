import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import unitConvert from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

async function convert(config: Record<string, unknown>, values: unknown[]) {
  const run = await runInHarness({
    nodes: { conv: { block: unitConvert, config, outputs: ["out"] } },
    capture: ["conv.out"],
    inject: ["conv.in"],
  });
  values.forEach((value, index) => run.send("conv.in", value, START + index * 10));
  await run.runUntil();
  await run.stop();
  return { run, out: (run.captured.get("conv.out") ?? []).map((m) => m.value) };
}

async function startError(config: Record<string, unknown>): Promise<string> {
  try {
    await runInHarness({ nodes: { conv: { block: unitConvert, config, outputs: ["out"] } }, inject: ["conv.in"] });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("start did not fail");
}

describe("dengta.transform.unit", () => {
  it("temperature: °F ↔ °C ↔ K with their offsets, exactly", async () => {
    expect((await convert({ from: "°F", to: "°C" }, [212, 32, -40, 98.6, 0])).out.slice(0, 3)).toEqual([100, 0, -40]);
    expect((await convert({ from: "°F", to: "°C", decimals: 2 }, [98.6, 0])).out).toEqual([37, -17.78]);
    expect((await convert({ from: "°C", to: "°F" }, [100, 0, -40, 37])).out).toEqual([212, 32, -40, 98.6]);
    expect((await convert({ from: "°C", to: "°F", decimals: 1 }, [37])).out).toEqual([98.6]);
    expect((await convert({ from: "°C", to: "K" }, [0, 100, -273.15])).out).toEqual([273.15, 373.15, 0]);
    expect((await convert({ from: "K", to: "°F", decimals: 2 }, [0, 273.15])).out).toEqual([-459.67, 32]);
    expect((await convert({ from: "degF", to: "degC" }, [212])).out).toEqual([100]);
  });

  it("length, pressure, speed, time, mass and flow", async () => {
    const cases: Array<[string, string, number[], number[]]> = [
      ["mm", "m", [1500, 2], [1.5, 0.002]],
      ["in", "mm", [1, 10], [25.4, 254]],
      ["mm", "in", [25.4, 254], [1, 10]],
      ["cm", "mm", [12.5], [125]],
      ["bar", "kPa", [1, 2.5], [100, 250]],
      ["MPa", "bar", [1.6], [16]],
      ["Pa", "kPa", [101325], [101.325]],
      ["rpm", "Hz", [3000, 90], [50, 1.5]],
      ["Hz", "rpm", [50], [3000]],
      ["ms", "s", [1500], [1.5]],
      ["h", "min", [1.5], [90]],
      ["min", "s", [2], [120]],
      ["g", "kg", [250], [0.25]],
      ["t", "kg", [1.2], [1200]],
      ["L/min", "m³/h", [100, 50], [6, 3]],
      ["m3/h", "L/min", [6], [100]],
    ];
    for (const [from, to, input, expected] of cases) {
      expect((await convert({ from, to }, input)).out, `${from} → ${to}`).toEqual(expected);
    }
    expect((await convert({ from: "psi", to: "kPa", decimals: 3 }, [1, 14.5038])).out).toEqual([6.895, 100]);
    expect((await convert({ from: "bar", to: "psi", decimals: 2 }, [1, 10])).out).toEqual([14.5, 145.04]);
  });

  it("scales raw counts before converting: 0..27648 → 0..100 %, and an offset range", async () => {
    expect((await convert({ scale: 100 / 27648, decimals: 2 }, [0, 13824, 27648, 5530])).out).toEqual([0, 50, 100, 20]);
    // A transmitter spanning -25..75 °C on 0..27648, shown in °F.
    expect((await convert({ scale: 100 / 27648, offset: -25, from: "°C", to: "°F", decimals: 1 }, [0, 27648, 6912]))
      .out).toEqual([-13, 167, 32]);
  });

  it("rounds half away from zero, including the values binary floating point stores just below .5", async () => {
    expect((await convert({ decimals: 0 }, [2.5, -2.5, 0.4, -0.4])).out).toEqual([3, -3, 0, 0]);
    expect((await convert({ decimals: 2 }, [1.005, -1.005, 2.675, 1.2345678])).out).toEqual([1.01, -1.01, 2.68, 1.23]);
    expect(Object.is((await convert({ decimals: 1 }, [-0.04])).out[0], 0)).toBe(true);
  });

  it("without units or scale it passes the number on unchanged", async () => {
    expect((await convert({}, [1.23456, -7])).out).toEqual([1.23456, -7]);
  });

  it("refuses a pair of different quantities at start, in English and Chinese", async () => {
    expect(await startError({ from: "°C", to: "bar" })).toBe(
      "cannot convert °C (temperature) to bar (pressure) / 无法将 °C（温度）换算为 bar（压力）",
    );
    expect(await startError({ from: "rpm", to: "s" })).toContain("rotational speed");
    expect(await startError({ from: "mm" })).toBe("set both 'from' and 'to', or neither / 'from' 与 'to' 需同时设置或都不设置");
    expect(await startError({ from: "mm", to: "furlong" })).toBe("unknown unit 'furlong' / 未知单位 'furlong'");
  });

  it("ignores values that are not finite numbers, with a warning and a count", async () => {
    const { run, out } = await convert({ from: "bar", to: "kPa" }, ["1", null, Number.NaN, Infinity, 2]);
    expect(out).toEqual([200]);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      'ignored a value that is not a finite number: "1"',
      "ignored a value that is not a finite number: null",
      "ignored a value that is not a finite number: NaN",
      "ignored a value that is not a finite number: Infinity",
    ]);
    expect(run.engine.counters()["conv.invalid"]).toBe(4);
  });

  it("keeps the input's timestamp and quality", async () => {
    const run = await runInHarness({
      nodes: { conv: { block: unitConvert, config: { from: "kg", to: "g" }, outputs: ["out"] } },
      capture: ["conv.out"],
      inject: ["conv.in"],
    });
    run.engine.emitFrom("__inject", "p0", 2, { ts: START + 123, quality: "uncertain" });
    run.engine.emitFrom("__inject", "p0", 3, { ts: START + 456 });
    await run.runUntil();
    expect(run.captured.get("conv.out")?.map((m) => [m.value, m.ts, m.quality, m.source])).toEqual([
      [2000, START + 123, "uncertain", "conv"],
      [3000, START + 456, "good", "conv"],
    ]);
    await run.stop();
  });

  it("has a valid manifest and a config schema that knows only the unit table", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { from: "°C", to: "°F" };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ from: "°C", to: "°F", scale: 1, offset: 0 });
    expect(validateConfig({})).toBe(true);
    expect(validateConfig({ from: "°C", to: "furlong" })).toBe(false);
    expect(validateConfig({ from: "°C" })).toBe(false);
    expect(validateConfig({ decimals: 1.5 })).toBe(false);
    expect(validateConfig({ decimals: 11 })).toBe(false);
    expect(validateConfig({ factor: 2 })).toBe(false);
  });
});
