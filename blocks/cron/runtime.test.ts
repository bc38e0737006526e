import { afterEach, describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import cron from "./runtime.ts";

const START = Date.UTC(2026, 0, 1); // a Thursday; 08:00 in Shanghai

async function runCron(config: Record<string, unknown>, startMs = START) {
  return runInHarness({ nodes: { cron: { block: cron, config, outputs: ["out"] } }, capture: ["cron.out"], startMs });
}

/** Ticks as [index, ISO time of the message]. */
function ticks(run: Awaited<ReturnType<typeof runCron>>) {
  return (run.captured.get("cron.out") ?? []).map((m) => [m.value, new Date(m.ts).toISOString()]);
}

async function firesUntil(config: Record<string, unknown>, startIso: string, untilIso: string) {
  const run = await runCron(config, Date.parse(startIso));
  await run.runUntil(Date.parse(untilIso));
  await run.stop();
  return ticks(run).map(([, iso]) => iso);
}

const savedTz = process.env.TZ;
afterEach(() => {
  process.env.TZ = savedTz;
});

describe("dengta.time.cron", () => {
  it("'0 8 * * 1-5' fires at 08:00 Shanghai (00:00Z) on weekdays only, strictly after start", async () => {
    const run = await runCron({ expression: "0 8 * * 1-5" });
    await run.runUntil(START + 11 * 86_400_000);
    // Jan 1 is a Thursday at exactly 08:00: that minute is the start, not a tick. Jan 3–4 and 10–11 are the weekend.
    expect(ticks(run)).toEqual([
      [1, "2026-01-02T00:00:00.000Z"],
      [2, "2026-01-05T00:00:00.000Z"],
      [3, "2026-01-06T00:00:00.000Z"],
      [4, "2026-01-07T00:00:00.000Z"],
      [5, "2026-01-08T00:00:00.000Z"],
      [6, "2026-01-09T00:00:00.000Z"],
      [7, "2026-01-12T00:00:00.000Z"],
    ]);
    expect(run.engine.isIdle()).toBe(false);
    await run.stop();
    expect(run.engine.isIdle()).toBe(true);
  });

  it("'*/15 * * * *' fires every 15 minutes, the message time being the scheduled time", async () => {
    const run = await runCron({ expression: "*/15 * * * *" }, START + 7 * 60_000);
    await run.runUntil(START + 61 * 60_000);
    expect(ticks(run)).toEqual([
      [1, "2026-01-01T00:15:00.000Z"],
      [2, "2026-01-01T00:30:00.000Z"],
      [3, "2026-01-01T00:45:00.000Z"],
      [4, "2026-01-01T01:00:00.000Z"],
    ]);
    expect(run.captured.get("cron.out")!.every((m) => m.source === "cron" && m.quality === "good")).toBe(true);
    await run.stop();
  });

  it("supports lists, ranges with steps and 7 as Sunday", async () => {
    // 10:05 and 10:35 Shanghai on Sundays.
    expect(await firesUntil({ expression: "5,35 10 * * 7" }, "2026-01-01T00:00:00Z", "2026-01-12T00:00:00Z")).toEqual([
      "2026-01-04T02:05:00.000Z", "2026-01-04T02:35:00.000Z", "2026-01-11T02:05:00.000Z", "2026-01-11T02:35:00.000Z",
    ]);
    // 0-20/10 in the hour field: 00:00, 10:00, 20:00 local.
    expect(await firesUntil({ expression: "0 0-20/10 * * *", timezone: "UTC" }, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")).toEqual([
      "2026-01-01T10:00:00.000Z", "2026-01-01T20:00:00.000Z", "2026-01-02T00:00:00.000Z",
    ]);
  });

  it("day of month and month, and either day field when both are restricted", async () => {
    expect(await firesUntil({ expression: "0 0 1 */3 *", timezone: "UTC" }, "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z")).toEqual([
      "2026-04-01T00:00:00.000Z", "2026-07-01T00:00:00.000Z", "2026-10-01T00:00:00.000Z",
    ]);
    // The 13th or any Friday, in February 2026 (Fridays: 6, 13, 20, 27).
    expect(await firesUntil({ expression: "0 12 13 2 5", timezone: "UTC" }, "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z")).toEqual([
      "2026-02-06T12:00:00.000Z", "2026-02-13T12:00:00.000Z", "2026-02-20T12:00:00.000Z", "2026-02-27T12:00:00.000Z",
    ]);
  });

  it("reads the expression in its timezone, whatever the process's TZ is", async () => {
    for (const tz of ["UTC", "America/New_York", "Asia/Kolkata"]) {
      process.env.TZ = tz;
      expect(await firesUntil({ expression: "0 8 * * *" }, "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z")).toEqual([
        "2026-01-02T00:00:00.000Z", "2026-01-03T00:00:00.000Z",
      ]);
      expect(await firesUntil({ expression: "0 8 * * *", timezone: "America/New_York" }, "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z")).toEqual([
        "2026-01-01T13:00:00.000Z", "2026-01-02T13:00:00.000Z",
      ]);
      expect(await firesUntil({ expression: "30 8 * * *", timezone: "Asia/Kathmandu" }, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")).toEqual([
        "2026-01-01T02:45:00.000Z",
      ]);
    }
  });

  it("Europe/Berlin spring forward: a skipped local time fires once, an hour later; '*' hours follow real time", async () => {
    // 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00Z).
    expect(await firesUntil({ expression: "30 2 * * *", timezone: "Europe/Berlin" }, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z")).toEqual([
      "2026-03-27T01:30:00.000Z", "2026-03-28T01:30:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z",
    ]);
    // 02:30 (moved to 03:30 CEST) and 03:30 are the same instant: one tick.
    expect(await firesUntil({ expression: "30 2,3 * * *", timezone: "Europe/Berlin" }, "2026-03-29T00:00:00Z", "2026-03-29T12:00:00Z")).toEqual([
      "2026-03-29T01:30:00.000Z",
    ]);
    expect(await firesUntil({ expression: "*/30 * * * *", timezone: "Europe/Berlin" }, "2026-03-29T00:00:00Z", "2026-03-29T02:00:00Z")).toEqual([
      "2026-03-29T00:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-29T02:00:00.000Z",
    ]);
  });

  it("Europe/Berlin fall back: a repeated local time fires once; '*' hours fire in both passes", async () => {
    // 2026-10-25 03:00 CEST goes back to 02:00 CET (01:00Z): 02:30 happens at 00:30Z and 01:30Z.
    expect(await firesUntil({ expression: "30 2 * * *", timezone: "Europe/Berlin" }, "2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z")).toEqual([
      "2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z",
    ]);
    expect(await firesUntil({ expression: "*/30 * * * *", timezone: "Europe/Berlin" }, "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z")).toEqual([
      "2026-10-25T00:30:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-25T01:30:00.000Z", "2026-10-25T02:00:00.000Z",
    ]);
  });

  it("rejects an invalid expression at start with an error in both languages naming the field", async () => {
    const cases: Array<[string, RegExp, RegExp]> = [
      ["0 8 * *", /has 4 fields, expected 5/, /有 4 个字段/],
      ["60 * * * *", /the minute field '60'.*0–59/, /分钟字段 '60'/],
      ["* 24 * * *", /the hour field '24'/, /小时字段/],
      ["* * 0 * *", /the day-of-month field '0'/, /日字段/],
      ["* * * 13 *", /the month field '13'/, /月字段/],
      ["* * * * 8", /the day-of-week field '8'/, /星期字段/],
      ["*/0 * * * *", /the minute field '\*\/0'.*step/, /步长/],
      ["5-1 * * * *", /the minute field '5-1'.*backwards/, /起点大于终点/],
      ["MON * * * *", /the minute field 'MON'/, /分钟字段/],
      ["0 0 31 2 *", /day-of-month field '31' names no day/, /日字段 '31'/],
      ["1,,2 * * * *", /the minute field/, /分钟字段/],
    ];
    for (const [expression, en, zh] of cases) {
      const started = runCron({ expression });
      await expect(started, expression).rejects.toThrow(en);
      await expect(runCron({ expression }), expression).rejects.toThrow(zh);
    }
    await expect(runCron({ expression: "* * * * *", timezone: "Mars/Olympus" })).rejects.toThrow(/timezone 'Mars\/Olympus' .* \/ 时区/);
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { expression: "0 8 * * 1-5" };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ expression: "0 8 * * 1-5", timezone: "Asia/Shanghai" });
    expect(validateConfig({ expression: "*/15 * * * *", timezone: "Europe/Berlin" })).toBe(true);
    expect(validateConfig({})).toBe(false);
    expect(validateConfig({ expression: "" })).toBe(false);
    expect(validateConfig({ expression: "* * * * *", every: 5 })).toBe(false);
  });
});
