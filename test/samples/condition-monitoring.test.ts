// samples/condition-monitoring on the simulator at speed: a warning before every breakdown, in
// time for a planner to act, and none on a machine that stays healthy.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runSample } from "../support/cli.ts";

const MIN = 60_000;
/**
 * A warning counts as a true one when its machine breaks down within this time. The wear
 * warnings come 12–30 min before the breakdown (the alarm level is projected on a straight line;
 * the simulated wear trips a little above it), and where in that range depends on how the busy
 * machine delivers the samples at speed: 45 min keeps a late breakdown a true positive while a
 * warning with no breakdown in the next three quarters of an hour stays false.
 */
const HORIZON_MS = 45 * MIN;

interface Breakdown { machine: string; code: string; start: number }
interface Warning { machine: string; ts: number; trend: string }

function breakdowns(truth: { machines: Record<string, { downtimes: Array<{ state: string; start: number; reason: { code: string } }> }> }): Breakdown[] {
  return Object.entries(truth.machines).flatMap(([machine, m]) =>
    m.downtimes.filter((d) => d.state === "down").map((d) => ({ machine, code: d.reason.code, start: d.start })));
}

function raisedWarnings(file: string): Warning[] {
  return readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { ts: string; source: string; value: { active: boolean } })
    .filter((r) => r.value.active)
    .map((r) => ({ machine: r.source.slice(0, 2), trend: r.source.slice(2), ts: Date.parse(r.ts) }));
}

it("warns before every breakdown, wear and overheating alike, and never on the healthy machine", () => {
  const { run, work } = runSample("condition-monitoring", ["--speed", "600", "--seed", "5", "--for", "8h", "--fault", "m2:overheat@5h"]);
  expect(run.status, run.stderr).toBe(0);
  const truth = JSON.parse(readFileSync(join(work, "simulator-truth.json"), "utf8"));
  const failures = breakdowns(truth);
  const warnings = raisedWarnings(join(work, "data", "warnings", "warnings.jsonl"));

  // Seed 5: m2 wears out three times and overheats once (the injected fault), m3 wears out once,
  // m1 runs the whole shift without a breakdown.
  expect(failures.map((f) => `${f.machine} ${f.code}`).sort()).toEqual(["m2 E102", "m2 E102", "m2 E103", "m2 E201", "m3 E102"]);
  expect(warnings.filter((w) => w.machine === "m1")).toEqual([]);

  const previous = new Map<string, number>();
  for (const failure of [...failures].sort((a, b) => a.start - b.start)) {
    const since = previous.get(failure.machine) ?? 0;
    const before = warnings.filter((w) => w.machine === failure.machine && w.ts > since && w.ts < failure.start);
    const lead = before.length === 0 ? 0 : failure.start - Math.min(...before.map((w) => w.ts));
    // Wear builds up over 20 minutes: the planner gets at least 5 of them. Overheating trips in
    // under a minute: the warning must come before the trip (seconds of model time).
    const needed = failure.code === "E201" ? 1_000 : 5 * MIN;
    expect(lead, `${failure.machine} ${failure.code} at ${new Date(failure.start).toISOString()}: warnings ${JSON.stringify(before)}`).toBeGreaterThanOrEqual(needed);
    previous.set(failure.machine, failure.start);
  }
  const end = truth.modelTime as number;
  for (const warning of warnings) {
    const followed = failures.some((f) => f.machine === warning.machine && f.start >= warning.ts && f.start - warning.ts <= HORIZON_MS);
    expect(followed || end - warning.ts < HORIZON_MS, `a false warning: ${JSON.stringify(warning)}`).toBe(true);
  }
}, 600_000);
