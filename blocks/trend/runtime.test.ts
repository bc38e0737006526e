import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Quality } from "../../runtime/block.ts";
import { Prng } from "../../simulator/model/prng.ts";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import trendBlock, { MAX_SAMPLES, type TrendResult, type TrendWarning } from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

async function harness(config: Record<string, unknown>) {
  const run = await runInHarness({
    nodes: { watch: { block: trendBlock, config, outputs: ["trend", "warning"] } },
    capture: ["watch.trend", "watch.warning"],
    inject: ["watch.in"],
  });
  /** Sends `value(t)` for t = from, from + step, … below `to`, t in ms after START. */
  const feed = (from: number, to: number, step: number, value: (t: number) => unknown) => {
    for (let t = from; t < to; t += step) run.send("watch.in", value(t), START + t);
  };
  const trends = () => (run.captured.get("watch.trend") ?? []).map((m) => ({ at: m.ts - START, ...(m.value as TrendResult) }));
  const warnings = () => (run.captured.get("watch.warning") ?? []).map((m) => ({ at: m.ts - START, ...(m.value as TrendWarning) }));
  return { run, feed, trends, warnings };
}

/** Normally distributed noise (Box–Muller) from a seeded PRNG. */
function gaussian(seed: number, sigma: number): () => number {
  const prng = new Prng(seed);
  return () => sigma * prng.normal();
}

describe("dengta.maintenance.trend", () => {
  it("a linear ramp gives the exact slope, r² 1 and the exact time to the limit", async () => {
    // 20 °C rising 3.6 °C per hour (0.001 per second) reaches 30 °C at t = 10,000 s.
    const { run, feed, trends, warnings } = await harness({ limit: 30, windowMs: 10 * MIN, warnWithinMs: HOUR });
    feed(0, 1800 * S, S, (t) => 20 + t / 1e6);
    await run.runUntil();
    const sent = trends();
    // The first estimate once the samples cover half the window, then one a minute.
    expect(sent.map((t) => t.at)).toEqual(Array.from({ length: 25 }, (_, i) => 5 * MIN + i * MIN));
    for (const t of sent) {
      expect(t.value).toBe(20 + t.at / 1e6);
      expect(t.fitted).toBeCloseTo(t.value, 9);
      expect(t.slopePerHour).toBeCloseTo(3.6, 9);
      expect(t.r2).toBeCloseTo(1, 9);
      expect(t.timeToLimitS).toBeCloseTo(10_000 - t.at / S, 6);
      expect(t.etaTs).toBe(START + 10_000 * S);
      expect(t.samples).toBe(Math.min(t.at / S + 1, 600));
    }
    expect(warnings()).toEqual([]);
    await run.stop();
  });

  it("raises the warning when the limit is warnWithinMs away, and keeps it once the limit is reached", async () => {
    const { run, feed, warnings } = await harness({ limit: 30, windowMs: 10 * MIN, warnWithinMs: HOUR });
    feed(0, 12_000 * S, S, (t) => 20 + t / 1e6);
    await run.runUntil();
    const sent = warnings();
    expect(sent).toHaveLength(1);
    const [raised] = sent;
    expect(raised!.at).toBeGreaterThanOrEqual(6400 * S);
    expect(raised!.at).toBeLessThanOrEqual(6401 * S);
    expect(raised).toMatchObject({ active: true, limit: 30, etaTs: START + 10_000 * S });
    expect(raised!.timeToLimitS).toBeCloseTo(10_000 - raised!.at / S, 6);
    expect(raised!.message.en).toBe("rising toward the limit 30: reaches it in about 60 min (3.6 per hour)");
    expect(raised!.message["zh-CN"]).toBe("正在上升并趋近限值 30：预计约 60 分钟后达到（每小时上升 3.6）");
    expect(run.engine.counters()["watch.raised"]).toBe(1);
    await run.stop();
  });

  it("once the line is past the limit, time to limit is 0 and a first estimate raises at once", async () => {
    const { run, feed, trends, warnings } = await harness({ limit: 30, windowMs: 8 * S, minSamples: 5, emitEveryMs: 0 });
    feed(0, 10 * S, S, (t) => 31 + t / 1e6);
    await run.runUntil();
    expect(trends()[0]).toMatchObject({ at: 4 * S, timeToLimitS: 0, etaTs: START + 4 * S, samples: 5 });
    expect(warnings()).toEqual([
      expect.objectContaining({ at: 4 * S, active: true, timeToLimitS: 0, message: { en: "at or beyond the limit 30: trend value 31", "zh-CN": "已达到或越过限值 30：趋势值 31" } }),
    ]);
    await run.stop();
  });

  it("noise on a flat signal never warns over 24 hours of 1 Hz samples", async () => {
    // 45 ± 0.5 °C with the limit 5 °C away, defaults otherwise: the slope's noise is far from 5 °C/h.
    const far = await harness({ limit: 50 });
    const noise = gaussian(1, 0.5);
    far.feed(0, 24 * HOUR, S, () => 45 + noise());
    await far.run.runUntil();
    expect(far.trends()).toHaveLength(24 * 60 - 5); // one a minute from 5 min on
    expect(far.warnings()).toEqual([]);
    await far.run.stop();

    // Near the limit, single samples cross it often; minSlopePerHour keeps the warning quiet.
    const near = await harness({ limit: 50, minSlopePerHour: 4 });
    const closeNoise = gaussian(2, 0.5);
    let samplesBeyond = 0;
    near.feed(0, 24 * HOUR, S, () => {
      const value = 49 + closeNoise();
      if (value > 50) samplesBeyond++;
      return value;
    });
    await near.run.runUntil();
    expect(samplesBeyond).toBeGreaterThan(1000);
    expect(near.warnings()).toEqual([]);
    for (const t of near.trends()) expect(t.fitted).toBeLessThan(50);
    await near.run.stop();
  });

  it("warns about an hour before a noisy drift crosses the limit, and clears when it cools down", async () => {
    // Spindle at 45 °C (± 0.3) for 2 h, then +10 °C/h: the line crosses 65 °C at 4 h.
    const { run, feed, warnings } = await harness({ limit: 65, windowMs: 10 * MIN, warnWithinMs: HOUR, minSlopePerHour: 2 });
    const noise = gaussian(3, 0.3);
    const line = (t: number) => (t < 2 * HOUR ? 45 : t < 4.5 * HOUR ? 45 + (10 * (t - 2 * HOUR)) / HOUR : 70 - (20 * (t - 4.5 * HOUR)) / HOUR);
    feed(0, 6 * HOUR, S, (t) => line(t) + noise());
    await run.runUntil();
    const sent = warnings();
    expect(sent.map((w) => w.active)).toEqual([true, false]);
    const crossing = 4 * HOUR;
    expect(crossing - sent[0]!.at).toBeGreaterThanOrEqual(0.9 * HOUR);
    expect(crossing - sent[0]!.at).toBeLessThanOrEqual(1.1 * HOUR);
    expect(sent[0]!.etaTs! - START).toBeGreaterThan(crossing - 5 * MIN);
    expect(sent[0]!.etaTs! - START).toBeLessThan(crossing + 5 * MIN);
    // Cleared once the fitted line is back below 65 °C and falling: at about 4.75 h.
    expect(sent[1]!.at).toBeGreaterThan(4.7 * HOUR);
    expect(sent[1]!.at).toBeLessThan(5 * HOUR);
    expect(sent[1]).toMatchObject({ timeToLimitS: null, etaTs: null });
    expect(sent[1]!.message).toEqual({
      en: "no longer approaching the limit 65: the trend has levelled off or turned away",
      "zh-CN": "不再趋近限值 65：趋势已平缓或反向",
    });
    await run.stop();
  });

  it("clears only when the estimate is beyond warnWithinMs × clearFactor (hysteresis)", async () => {
    // 80 rising 10/h (warns at 90, 1 h before 100); at 92 the rise slows to 6/h (1.33 h to go),
    // at 94 to 3/h (2 h to go).
    const t92 = 1.2 * HOUR;
    const t94 = t92 + (2 / 6) * HOUR;
    const line = (t: number) => (t < t92 ? 80 + (10 * t) / HOUR : t < t94 ? 92 + (6 * (t - t92)) / HOUR : 94 + (3 * (t - t94)) / HOUR);
    const run = async (clearFactor?: number) => {
      const h = await harness({ limit: 100, windowMs: 10 * MIN, warnWithinMs: HOUR, emitEveryMs: 0, ...(clearFactor === undefined ? {} : { clearFactor }) });
      h.feed(0, 2.5 * HOUR, 10 * S, line);
      await h.run.runUntil();
      await h.run.stop();
      return h.warnings();
    };

    const withBand = await run();
    expect(withBand.map((w) => w.active)).toEqual([true, false]);
    expect(withBand[0]!.at).toBeGreaterThanOrEqual(HOUR);
    expect(withBand[0]!.at).toBeLessThanOrEqual(HOUR + 10 * S);
    expect(withBand[1]!.at).toBeGreaterThan(t94);
    expect(withBand[1]!.timeToLimitS).toBeGreaterThan(1.5 * 3600);
    expect(withBand[1]!.message.en).toMatch(/^no longer approaching the limit 100 soon: about 1\.5 h to go$/);
    expect(withBand[1]!.message["zh-CN"]).toBe("短期内不会达到限值 100：预计还需约 1.5 小时");

    // Without the band, the slower rise between 92 and 94 already clears it, and 94 raises it again.
    const withoutBand = await run(1);
    expect(withoutBand.length).toBeGreaterThan(2);
    expect(withoutBand[1]).toMatchObject({ active: false });
    expect(withoutBand[1]!.at).toBeGreaterThan(t92);
    expect(withoutBand[1]!.at).toBeLessThan(t94);
  });

  it("falling: warns before the value falls to the limit", async () => {
    // Air pressure 6 bar falling 0.5 bar/h toward 4 bar: 4.5 bar, 1 h before, at 3 h.
    const { run, feed, trends, warnings } = await harness({ limit: 4, direction: "falling", warnWithinMs: HOUR });
    feed(0, 3.5 * HOUR, 30 * S, (t) => 6 - (0.5 * t) / HOUR);
    await run.runUntil();
    for (const t of trends()) {
      expect(t.slopePerHour).toBeCloseTo(-0.5, 9);
      expect(t.timeToLimitS).toBeCloseTo(4 * 3600 - t.at / S, 6);
      expect(t.etaTs).toBe(START + 4 * HOUR);
    }
    expect(warnings()).toEqual([
      expect.objectContaining({ at: 3 * HOUR, active: true, limit: 4, message: {
        en: "falling toward the limit 4: reaches it in about 60 min (0.5 per hour)",
        "zh-CN": "正在下降并趋近限值 4：预计约 60 分钟后达到（每小时下降 0.5）",
      } }),
    ]);
    await run.stop();
  });

  it("a rising value never approaches a falling limit, and the other way round", async () => {
    const { run, feed, trends, warnings } = await harness({ limit: 4, direction: "falling", emitEveryMs: 0 });
    feed(0, 10 * MIN, 10 * S, (t) => 5 + t / HOUR);
    await run.runUntil();
    expect(trends().every((t) => t.timeToLimitS === null && t.etaTs === null)).toBe(true);
    expect(warnings()).toEqual([]);
    await run.stop();
  });

  it("fits only the samples of the last windowMs: old ones leave, a gap starts afresh", async () => {
    // 1 per hour for 30 min, then 4 per hour; samples every 10 s, a 10-minute window.
    const { run, feed, trends } = await harness({ limit: 1000, windowMs: 10 * MIN, emitEveryMs: 0 });
    const line = (t: number) => (t < 30 * MIN ? t / HOUR : 0.5 + (4 * (t - 30 * MIN)) / HOUR);
    feed(0, 60 * MIN, 10 * S, line);
    await run.runUntil();
    const at = (ms: number) => trends().find((t) => t.at === ms)!;
    expect(at(29 * MIN).slopePerHour).toBeCloseTo(1, 9);
    expect(at(35 * MIN).slopePerHour).toBeGreaterThan(1);
    expect(at(35 * MIN).slopePerHour).toBeLessThan(4);
    expect(at(35 * MIN).r2!).toBeLessThan(1);
    // From 40 min on, the window (t − 10 min, t] holds only the new slope: 60 samples.
    for (const t of trends().filter((t) => t.at >= 40 * MIN)) {
      expect(t.slopePerHour).toBeCloseTo(4, 9);
      expect(t.samples).toBe(60);
      expect(t.fitted).toBeCloseTo(line(t.at), 9);
    }

    // 20 minutes of silence: every old sample has left, so no estimate until minSamples new ones.
    const before = trends().length;
    feed(80 * MIN, 86 * MIN, 10 * S, (t) => 100 - t / HOUR);
    await run.runUntil();
    const after = trends().slice(before);
    // Again only once the new samples cover half the window.
    expect(after[0]).toMatchObject({ at: 85 * MIN, samples: 31 });
    expect(after[0]!.slopePerHour).toBeCloseTo(-1, 9);
    await run.stop();
  });

  it("keeps the sums exact over many rebuilds, far from zero and far from the epoch", async () => {
    // A day of 1 Hz samples at 1e6 plus a slow drift of 2^-20 per ms, every value exact in binary:
    // whatever error there is comes from the sums, which 288 windows must not accumulate.
    const { run, feed, trends } = await harness({ limit: 2e6, windowMs: 5 * MIN });
    feed(0, 24 * HOUR, S, (t) => 1e6 + t / 2 ** 20);
    await run.runUntil();
    expect(trends()).toHaveLength(24 * 60 - 2); // one a minute from 2.5 min on
    for (const t of trends()) {
      expect(Math.abs(t.slopePerHour / (HOUR / 2 ** 20) - 1)).toBeLessThan(1e-12);
      expect(Math.abs(t.timeToLimitS! / (((1e6 - t.at / 2 ** 20) * 2 ** 20) / S) - 1)).toBeLessThan(1e-12);
    }
    await run.stop();
  });

  it(`a window of more than ${MAX_SAMPLES} samples drops the oldest, with one warning`, async () => {
    const { run, feed, trends } = await harness({ limit: 1e9, windowMs: 150 * S, emitEveryMs: 0 });
    feed(0, MAX_SAMPLES + 10, 1, (t) => t);
    await run.runUntil();
    expect(trends().at(-1)!.samples).toBe(MAX_SAMPLES);
    expect(trends().at(-1)!.slopePerHour).toBeCloseTo(HOUR, 3);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      `more than ${MAX_SAMPLES} samples in the window: the oldest leave early, so the trend covers less than windowMs`,
    ]);
    await run.stop();
  });

  it("ignores values that are not finite numbers, bad-quality values and values out of time order", async () => {
    const { run, trends } = await harness({ limit: 100, windowMs: 8 * S, minSamples: 3, emitEveryMs: 0 });
    const send = (at: number, value: unknown, quality: Quality = "good") => run.engine.emitFrom("__inject", "p0", value, { ts: START + at, quality });
    send(0, 1);
    send(1000, "2");
    send(1500, null);
    send(1600, Number.NaN);
    send(1700, Infinity);
    send(2000, 0, "bad");
    send(3000, 4, "uncertain");
    send(2500, 3.5);
    send(4000, 5);
    await run.runUntil();
    expect(trends()).toEqual([{ at: 4000, value: 5, fitted: expect.closeTo(5, 9), slopePerHour: expect.closeTo(3600, 6), r2: expect.closeTo(1, 9), timeToLimitS: expect.closeTo(95, 6), etaTs: START + 99_000, samples: 3 }]);
    const counters = run.engine.counters();
    expect(counters["watch.invalid"]).toBe(4);
    expect(counters["watch.bad"]).toBe(1);
    expect(counters["watch.late"]).toBe(1);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      'ignored a value that is not a finite number: "2"',
      "ignored a value that is not a finite number: null",
      "ignored a value that is not a finite number: NaN",
      "ignored a value that is not a finite number: Infinity",
      `ignored a value older than the newest one (ts ${START + 2500}): the trend needs values in time order`,
    ]);
    await run.stop();
  });

  it("sends with the newest sample's timestamp and quality", async () => {
    const { run, trends } = await harness({ limit: 100, windowMs: 10 * S, minSamples: 2 });
    run.engine.emitFrom("__inject", "p0", 1, { ts: START });
    run.engine.emitFrom("__inject", "p0", 2, { ts: START + 5000, quality: "uncertain" });
    await run.runUntil();
    expect(run.captured.get("watch.trend")?.map((m) => [m.ts, m.quality, m.source])).toEqual([[START + 5000, "uncertain", "watch"]]);
    expect(trends()).toHaveLength(1);
    await run.stop();
  });

  it("property: a ramp of any slope and offset gives the analytic time to the limit", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        fc.integer({ min: 100, max: 60_000 }),
        fc.integer({ min: 10, max: 300 }),
        fc.integer({ min: 10, max: 400 }),
        fc.double({ min: 60, max: 1e6, noNaN: true }),
        fc.boolean(),
        async (slopePerHour, offset, stepMs, count, windowSamples, aheadS, falling) => {
          const sign = falling ? -1 : 1;
          const value = (t: number) => offset + (sign * slopePerHour * t) / HOUR;
          const lastMs = (count - 1) * stepMs;
          const limit = value(lastMs + aheadS * 1000);
          const { run, feed, trends } = await harness({ limit, direction: falling ? "falling" : "rising", windowMs: Math.min(windowSamples, 2 * (count - 1)) * stepMs, emitEveryMs: 0, warnWithinMs: 1 });
          feed(0, count * stepMs, stepMs, value);
          await run.runUntil();
          await run.stop();
          const last = trends().at(-1)!;
          expect(last.at).toBe(lastMs);
          expect(Math.abs(last.slopePerHour / (sign * slopePerHour) - 1)).toBeLessThan(1e-6);
          expect(Math.abs(last.timeToLimitS! / aheadS - 1)).toBeLessThan(1e-6);
          expect(Math.abs(last.etaTs! - (START + lastMs + aheadS * 1000))).toBeLessThanOrEqual(1 + 1e-6 * aheadS * 1000);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { limit: 65 };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ limit: 65, direction: "rising", windowMs: 600_000, minSamples: 10, warnWithinMs: 3_600_000, minSlopePerHour: 0, clearFactor: 1.5, emitEveryMs: 60_000 });
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ limit: 1, direction: "up" })).toBe(false);
    expect(validateConfig({ limit: 1, minSamples: 1 })).toBe(false);
    expect(validateConfig({ limit: 1, clearFactor: 0.5 })).toBe(false);
    expect(validateConfig({ limit: 1, windowMs: 0 })).toBe(false);
    expect(validateConfig({ limit: 1, smoothing: 3 })).toBe(false);
  });
});
