import { describe, expect, it } from "vitest";
import type { SiteCalendar } from "../../runtime/block.ts";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import oee from "./runtime.ts";

// Shifts follow the site's time zone, never the box's: run as if the box were on UTC.
process.env.TZ = "UTC";

const MIN = 60_000;
const HOUR = 60 * MIN;

interface Report {
  machine: string; shift: string; start: number; end: number; partial: boolean;
  plannedBusyTimeS: number; actualProductionTimeS: number; downtimeS: number;
  good: number; scrap: number; total: number;
  availability: number; performance: number; quality: number; oee: number;
  downtimeReasons: Array<{ state: string; reason: string; seconds: number; stops: number }>;
}

/** Sends `[ts, port, value]` in order from `startMs`, runs the clock to `untilMs`, then stops. */
async function account(options: {
  config: Record<string, unknown>;
  calendar?: SiteCalendar;
  startMs: number;
  messages: Array<[number, "state" | "good" | "scrap" | "reason", unknown]>;
  untilMs: number;
  stop?: boolean;
}) {
  const run = await runInHarness({
    nodes: { oee: { block: oee, config: options.config, outputs: ["out"] } },
    capture: ["oee.out"],
    inject: ["oee.state", "oee.good", "oee.scrap", "oee.reason"],
    startMs: options.startMs,
    site: { endpoints: {}, cameras: {}, secret: () => undefined, ...(options.calendar ? { calendar: options.calendar } : {}) },
  });
  for (const [ts, port, value] of options.messages) run.send(`oee.${port}`, value, ts);
  await run.runUntil(options.untilMs);
  const beforeStop = (run.captured.get("oee.out") ?? []).length;
  if (options.stop !== false) await run.stop();
  const out = run.captured.get("oee.out") ?? [];
  return { run, beforeStop, reports: out.map((m) => ({ ts: m.ts, ...(m.value as Report) })) };
}

const state = (ts: number, s: string): [number, "state", unknown] => [ts, "state", { state: s, code: s, since: ts }];

describe("dengta.kpi.oee", () => {
  it("reproduces the classic OEE worked example (oee.com): A 0.8881, P 0.8611, Q 0.9780, OEE 0.7479", async () => {
    // An 8 h shift 06:00–14:00 in Shanghai (22:00–06:00 UTC) with two 15-min breaks and a 30-min
    // meal: 420 min planned production time. 47 min down → 373 min run time. Ideal cycle 1.0 s,
    // 19,271 parts of which 18,848 good.
    const calendar: SiteCalendar = {
      timezone: "Asia/Shanghai",
      shifts: [{ name: "早班", start: "06:00", end: "14:00", breaks: [["08:00", "08:15"], ["10:00", "10:30"], ["12:00", "12:15"]] }],
    };
    const t0 = Date.UTC(2026, 2, 1, 22); // 2026-03-02 06:00 in Shanghai
    const at = (h: number, m = 0) => t0 + h * HOUR + m * MIN;
    const { reports } = await account({
      config: { machine: "CNC-07", idealCycleTimeS: 1.0 },
      calendar,
      startMs: t0,
      messages: [
        state(at(0), "running"),
        [at(0, 50), "good", 2_600], [at(0, 50), "scrap", 60],
        state(at(1), "down"), state(at(1, 30), "running"), // 30 min down
        [at(3), "good", 7_000], [at(3), "scrap", 150],
        state(at(5), "down"), state(at(5, 17), "running"), // 17 min down
        [at(7, 59), "good", 9_248], [at(7, 59), "scrap", 213],
      ],
      untilMs: at(8),
    });
    expect(reports).toEqual([{
      ts: at(8), machine: "CNC-07", shift: "早班", start: t0, end: at(8), partial: false,
      plannedBusyTimeS: 420 * 60, actualProductionTimeS: 373 * 60, downtimeS: 47 * 60,
      good: 18_848, scrap: 423, total: 19_271,
      availability: 0.8881, performance: 0.8611, quality: 0.978, oee: 0.7479,
      downtimeReasons: [{ state: "down", reason: "", seconds: 47 * 60, stops: 2 }],
    }]);
  });

  it("a night shift crosses midnight in Asia/Shanghai while the box is on UTC", async () => {
    expect(process.env.TZ).toBe("UTC");
    const calendar: SiteCalendar = {
      timezone: "Asia/Shanghai",
      shifts: [
        { name: "早班", start: "06:00", end: "14:00" },
        { name: "中班", start: "14:00", end: "22:00" },
        { name: "夜班", start: "22:00", end: "06:00", breaks: [["02:00", "02:30"]] },
      ],
    };
    const t0 = Date.UTC(2026, 2, 2, 14); // 2026-03-02 22:00 in Shanghai
    const { reports } = await account({
      config: { machine: "P-1", idealCycleTimeS: 60 },
      calendar,
      startMs: t0,
      messages: [
        state(t0, "running"),
        state(t0 + 2 * HOUR, "down"), // 00:00–01:00 local, after midnight
        state(t0 + 3 * HOUR, "running"),
        [t0 + 7 * HOUR, "good", 380], [t0 + 7 * HOUR, "scrap", 10],
      ],
      untilMs: t0 + 8 * HOUR,
    });
    // 480 min − 30 min break = 450 min planned; 390 min running; 390 parts × 60 s = 390 min.
    expect(reports).toEqual([expect.objectContaining({
      ts: t0 + 8 * HOUR, shift: "夜班", start: t0, end: t0 + 8 * HOUR, partial: false,
      plannedBusyTimeS: 450 * 60, actualProductionTimeS: 390 * 60, downtimeS: 60 * 60,
      availability: 0.8667, performance: 1, quality: 0.9744, oee: 0.8444,
    })]);
    expect(new Date(reports[0]!.end).toISOString()).toBe("2026-03-02T22:00:00.000Z"); // 06:00 on the 3rd in Shanghai
  });

  const dayShift: SiteCalendar = { timezone: "Europe/Berlin", shifts: [{ name: "Früh", start: "06:00", end: "14:00", breaks: [["09:00", "09:30"]] }] };
  const b0 = Date.UTC(2026, 0, 12, 5); // 06:00 in Berlin (winter, UTC+1)

  it("a state that changes inside a break does not count the break as downtime", async () => {
    const { reports } = await account({
      config: { machine: "M", idealCycleTimeS: 10 },
      calendar: dayShift,
      startMs: b0,
      messages: [
        state(b0, "running"),
        state(b0 + 3 * HOUR + 5 * MIN, "down"),     // 09:05, inside the break
        state(b0 + 3 * HOUR + 40 * MIN, "running"), // 09:40: 10 min down after the break
        [b0 + 4 * HOUR, "good", 100],
      ],
      untilMs: b0 + 8 * HOUR,
    });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ plannedBusyTimeS: 450 * 60, actualProductionTimeS: 440 * 60, downtimeS: 10 * 60, availability: 0.9778 });
  });

  it("setup is downtime unless listed in plannedStopStates", async () => {
    const messages = [state(b0, "running"), state(b0 + HOUR, "setup"), state(b0 + 2 * HOUR, "running"), [b0 + 4 * HOUR, "good", 100] as [number, "good", unknown]];
    const asDowntime = await account({ config: { machine: "M", idealCycleTimeS: 10 }, calendar: dayShift, startMs: b0, messages, untilMs: b0 + 8 * HOUR });
    expect(asDowntime.reports[0]).toMatchObject({ plannedBusyTimeS: 450 * 60, actualProductionTimeS: 390 * 60, downtimeS: 60 * 60 });
    const asPlanned = await account({ config: { machine: "M", idealCycleTimeS: 10, plannedStopStates: ["setup"] }, calendar: dayShift, startMs: b0, messages, untilMs: b0 + 8 * HOUR });
    expect(asPlanned.reports[0]).toMatchObject({ plannedBusyTimeS: 390 * 60, actualProductionTimeS: 390 * 60, downtimeS: 0, availability: 1 });
  });

  it("breaks downtime down by state and reason, longest first, a stop across the shift's end counted in both shifts", async () => {
    const reason = (ts: number, code: unknown): [number, "reason", unknown] => [ts, "reason", code];
    const { reports } = await account({
      config: { machine: "M", idealCycleTimeS: 10 },
      calendar: dayShift,
      startMs: b0,
      messages: [
        state(b0, "running"),
        // The state and its reason arrive separately but with the same timestamp, in either order.
        state(b0 + HOUR, "down"), reason(b0 + HOUR, "E101"), reason(b0 + HOUR + 20 * MIN, ""), state(b0 + HOUR + 20 * MIN, "running"),
        reason(b0 + 2 * HOUR, "M01"), state(b0 + 2 * HOUR, "idle"), state(b0 + 2 * HOUR + 5 * MIN, "running"), reason(b0 + 2 * HOUR + 5 * MIN, ""),
        state(b0 + 4 * HOUR, "idle"), reason(b0 + 4 * HOUR, { code: "M01" }), state(b0 + 4 * HOUR + 6 * MIN, "running"), reason(b0 + 4 * HOUR + 6 * MIN, ""),
        state(b0 + 7 * HOUR, "down"), // no reason given; lasts into the next day's shift
      ],
      untilMs: b0 + 24 * HOUR + 30 * MIN,
    });
    expect(reports.map((r) => r.downtimeReasons)).toEqual([
      [
        { state: "down", reason: "", seconds: 3600, stops: 1 },
        { state: "down", reason: "E101", seconds: 1200, stops: 1 },
        { state: "idle", reason: "M01", seconds: 660, stops: 2 },
      ],
      [{ state: "down", reason: "", seconds: 1800, stops: 1 }],
    ]);
    expect(reports[0]).toMatchObject({ downtimeS: 3600 + 1200 + 660 });
  });

  it("on stop sends the shift so far, marked partial", async () => {
    const { reports, beforeStop } = await account({
      config: { machine: "M", idealCycleTimeS: 30 },
      calendar: dayShift,
      startMs: b0,
      messages: [state(b0, "running"), state(b0 + HOUR, "idle"), state(b0 + HOUR + 30 * MIN, "running"), [b0 + 2 * HOUR, "good", 170], [b0 + 2 * HOUR, "scrap", 10]],
      untilMs: b0 + 2 * HOUR,
    });
    expect(beforeStop).toBe(0);
    expect(reports).toEqual([expect.objectContaining({
      ts: b0 + 2 * HOUR, shift: "Früh", start: b0, end: b0 + 2 * HOUR, partial: true,
      plannedBusyTimeS: 7200, actualProductionTimeS: 5400, downtimeS: 1800,
      good: 170, scrap: 10, total: 180, availability: 0.75, performance: 1, quality: 0.9444, oee: 0.7083,
    })]);
  });

  it("a message after the shift's end sends the report at once, and a block started mid-shift reports it partial", async () => {
    const { reports } = await account({
      config: { machine: "M", idealCycleTimeS: 10 },
      calendar: dayShift,
      startMs: b0 + 4 * HOUR, // 10:00
      messages: [state(b0 + 4 * HOUR, "running"), [b0 + 5 * HOUR, "good", 5], [b0 + 8 * HOUR + MIN, "good", 7]],
      untilMs: b0 + 4 * HOUR, // the clock stays before the shift's end: the 14:01 message ends it
      stop: false,
    });
    expect(reports).toEqual([expect.objectContaining({ ts: b0 + 8 * HOUR, start: b0 + 4 * HOUR, end: b0 + 8 * HOUR, partial: true, plannedBusyTimeS: 4 * 3600, good: 5 })]);
  });

  it("without a calendar reports each UTC day, named by its date", async () => {
    const d0 = Date.UTC(2026, 0, 5);
    const { reports } = await account({
      config: { machine: "M", idealCycleTimeS: 1 },
      startMs: d0,
      messages: [state(d0, "running"), state(d0 + 18 * HOUR, "down"), [d0 + HOUR, "good", 40_000], [d0 + 2 * HOUR, "scrap", 500]],
      untilMs: d0 + 48 * HOUR,
    });
    expect(reports.map((r) => [r.shift, r.start - d0, r.end - d0, r.availability, r.good])).toEqual([
      ["2026-01-05", 0, 24 * HOUR, 0.75, 40_000],
      ["2026-01-06", 24 * HOUR, 48 * HOUR, 0, 0],
    ]);
    expect(reports[0]).toMatchObject({ plannedBusyTimeS: 86_400, actualProductionTimeS: 64_800, performance: 0.625, quality: 0.9877 });
  });

  it("ignores invalid states and counts, with a warning and a count", async () => {
    const { run, reports } = await account({
      config: { machine: "M", idealCycleTimeS: 10 },
      calendar: dayShift,
      startMs: b0,
      messages: [state(b0, "running"), [b0 + 1, "state", null], [b0 + 2, "state", { code: 3 }], [b0 + 3, "good", "7"], [b0 + 4, "scrap", -2], [b0 + 5, "good", 3]],
      untilMs: b0 + 8 * HOUR,
    });
    expect(reports[0]).toMatchObject({ good: 3, scrap: 0, actualProductionTimeS: 450 * 60 });
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      "ignored a state message that has no state: null",
      "ignored a state message that has no state: an object without a state",
      'ignored a value that is not a finite number: "7"',
      "ignored a negative count on scrap: -2",
    ]);
    expect(run.engine.counters()["oee.invalid"]).toBe(4);
  });

  it("reports a performance above 1 as 1, with one warning and a count", async () => {
    const { run, reports } = await account({
      config: { machine: "M", idealCycleTimeS: 60 },
      calendar: dayShift,
      startMs: b0,
      messages: [state(b0, "running"), [b0 + HOUR, "good", 500]], // 500 min of ideal time in 450 min
      untilMs: b0 + 8 * HOUR,
    });
    expect(reports[0]).toMatchObject({ availability: 1, performance: 1, quality: 1, oee: 1 });
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      "performance above 1 (1.1111) in shift Früh: is idealCycleTimeS (60) too long? Reported as 1",
    ]);
    expect(run.engine.counters()["oee.performanceOver1"]).toBe(1);
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { machine: "CNC-07", idealCycleTimeS: 1.5 };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({ machine: "CNC-07", idealCycleTimeS: 1.5, plannedStopStates: [] });
    expect(validateConfig({ machine: "A", idealCycleTimeS: 1, plannedStopStates: ["setup", "idle"] })).toBe(true);
    expect(validateConfig({ machine: "A" })).toBe(false);
    expect(validateConfig({ idealCycleTimeS: 1 })).toBe(false);
    expect(validateConfig({ machine: "A", idealCycleTimeS: 0 })).toBe(false);
    expect(validateConfig({ machine: "A", idealCycleTimeS: 1, plannedStopStates: ["running"] })).toBe(false);
    expect(validateConfig({ machine: "A", idealCycleTimeS: 1, shift: "day" })).toBe(false);
  });
});
