// samples/oee-line on the simulator at speed: each machine's OEE per shift against the
// simulator's own ground truth, computed from every stop and every part it made.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runSample } from "../support/cli.ts";

const TOLERANCE = 0.005;

interface Report {
  machine: string; shift: string; start: number; partial: boolean; good: number; scrap: number;
  availability: number; performance: number; quality: number; oee: number;
  downtimeReasons: Array<{ state: string; reason: string; seconds: number; stops: number }>;
}
interface Truth {
  shift: string; start: number; good: number; scrap: number;
  availability: number; performance: number; quality: number; oee: number; downtimeByReason: Record<string, number>;
}

const within = (actual: number, expected: number) => Math.abs(actual - expected) <= TOLERANCE * Math.max(expected, 1e-9);

it("reports every machine's OEE for two shifts within 0.5 % of the simulator's ground truth", () => {
  // Two shifts of the three-shift calendar, and a minute into the third so the second one ends.
  const { run, work } = runSample("oee-line", ["--speed", "1200", "--seed", "5", "--for", "16h1m"]);
  expect(run.status, run.stderr).toBe(0);
  const truth = JSON.parse(readFileSync(join(work, "simulator-truth.json"), "utf8")) as { shifts: Array<{ start: number; machines: Record<string, Truth> }> };
  const reports = readFileSync(join(work, "data", "shiftReports", "oee-shifts.jsonl"), "utf8").trim().split("\n")
    .map((line) => (JSON.parse(line) as { value: Report }).value).filter((r) => !r.partial);

  expect(truth.shifts.map((s) => s.start)).toHaveLength(2);
  expect(reports).toHaveLength(6);
  for (const report of reports) {
    const expected = truth.shifts.find((s) => s.start === report.start)?.machines[report.machine.toLowerCase()];
    expect(expected, `${report.machine} ${report.shift}`).toBeDefined();
    const t = expected!;
    const where = `${report.machine} ${report.shift}: APP ${JSON.stringify(report)} simulator ${JSON.stringify(t)}`;
    expect(t.oee, where).toBeGreaterThan(0.3);
    for (const ratio of ["availability", "performance", "quality", "oee"] as const) expect(within(report[ratio], t[ratio]), `${ratio} ${where}`).toBe(true);
    expect([report.good, report.scrap], where).toEqual([t.good, t.scrap]);
    // The downtime by reason: the same codes, each within the tolerance of the shift's planned time.
    const byReason = Object.fromEntries(report.downtimeReasons.map((r) => [r.reason, r.seconds]));
    expect(Object.keys(byReason).sort(), where).toEqual(Object.keys(t.downtimeByReason).sort());
    for (const [code, seconds] of Object.entries(t.downtimeByReason)) expect(Math.abs(byReason[code]! - seconds), `${code} ${where}`).toBeLessThanOrEqual(TOLERANCE * 8 * 3600);
  }
}, 600_000);
