import { describe, expect, it } from "vitest";
import type { MachineTruth } from "./line.ts";
import { REASONS } from "./machine-spec.ts";
import { oeeTruth } from "./oee-truth.ts";

const MIN = 60_000;

describe("oeeTruth", () => {
  it("takes breaks out, counts only downtime within planned time, and parts by their finish time", () => {
    const t0 = Date.UTC(2026, 0, 5);
    const machine: MachineTruth = {
      state: "running", cycles: 4, good: 3, scrap: 1, idealCycleMs: 60_000,
      timeInState: { running: 0, idle: 0, setup: 0, down: 0 },
      downtimes: [
        { machine: "m1", state: "idle", reason: REASONS.material, start: t0 + 50 * MIN, end: t0 + 70 * MIN }, // 10 min in the break
        { machine: "m1", state: "down", reason: REASONS.overheat, start: t0 + 110 * MIN }, // still down at model time
      ],
      finished: [
        { time: t0 - 1, scrap: false }, // before the window
        { time: t0, scrap: false },
        { time: t0 + 30 * MIN, scrap: true },
        { time: t0 + 119 * MIN, scrap: false },
        { time: t0 + 120 * MIN, scrap: false }, // at the end: the next shift's
      ],
    };
    const truth = oeeTruth(machine, { name: "A", start: t0, end: t0 + 120 * MIN, breaks: [[t0 + 60 * MIN, t0 + 75 * MIN]] }, t0 + 200 * MIN);
    // Planned 105 min (a 15-min break); idle 50–70 is 10 min outside the break; down 110–120 is 10 min.
    expect(truth.plannedBusyTimeS).toBe(105 * 60);
    expect(truth.actualProductionTimeS).toBe(85 * 60);
    expect(truth.downtimeByReason).toEqual({ M01: 600, E201: 600 });
    expect([truth.good, truth.scrap]).toEqual([2, 1]);
    expect(truth.availability).toBeCloseTo(85 / 105, 12);
    expect(truth.performance).toBeCloseTo(3 / 85, 12);
    expect(truth.quality).toBeCloseTo(2 / 3, 12);
    expect(truth.oee).toBeCloseTo((85 / 105) * (3 / 85) * (2 / 3), 12);
  });
});
