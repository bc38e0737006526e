// samples/vision-inspection on the simulator: every verdict checked against the camera's ground
// truth (escape rate 漏检率, false-reject rate 误检率), a reject written for every rejected part and
// for no other, the evidence of every reject kept, the shift's report counting what was inspected,
// and — at a speed where the cycle is one second of wall time — each reject within its part's cycle.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { runSample } from "../support/cli.ts";

interface Part { serial: string; time: number; defect: "none" | "scratch" | "spots" }
interface Truth {
  parts: Part[];
  rejects: Array<{ serial: string; time: number; known: boolean }>;
  machines: { m3: { idealCycleMs: number } };
}
interface Verdict { serial: string; pass?: boolean; code?: string }
interface ReportMessage {
  period: string; start: number; end: number; partial: boolean;
  files: { html: string; csv: string; xlsx: string };
  totals: { events: number; counts: Record<string, { sum: number; messages: number }> };
}

function runVision(args: string[]) {
  const { run, work } = runSample("vision-inspection", ["--seed", "1", ...args]);
  expect(run.status, run.stderr).toBe(0);
  const truth = JSON.parse(readFileSync(join(work, "simulator-truth.json"), "utf8")) as Truth;
  const db = new DatabaseSync(join(work, "data", "dengta.db"), { readOnly: true });
  const rows = db.prepare("SELECT value FROM history WHERE series = 'verdicts' ORDER BY ts, id").all() as Array<{ value: string }>;
  db.close();
  const verdicts = rows.map((r) => JSON.parse(r.value) as Verdict);
  return { work, truth, verdicts };
}

/** Each part's verdict beside its truth; a part without a verdict counts as passed unseen. */
function rates(truth: Truth, verdicts: Verdict[]) {
  const verdictOf = new Map(verdicts.map((v) => [v.serial, v]));
  const defective = truth.parts.filter((p) => p.defect !== "none");
  const good = truth.parts.filter((p) => p.defect === "none");
  const escaped = defective.filter((p) => verdictOf.get(p.serial)?.pass !== false && verdictOf.get(p.serial)?.code === undefined);
  const falselyRejected = good.filter((p) => verdictOf.get(p.serial)?.pass !== true);
  return {
    defective: defective.length, escaped: escaped.length, good: good.length, falselyRejected: falselyRejected.length,
    escapeRate: escaped.length / defective.length, falseRejectRate: falselyRejected.length / good.length,
  };
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;

describe("samples/vision-inspection", () => {
  it("rejects every defective part and no good one over a shift, by serial, with evidence and the shift's report", () => {
    const { work, truth, verdicts } = runVision(["--speed", "300", "--for", "8h1m"]);
    expect(truth.parts.length).toBeGreaterThan(1000);
    // Every part that reached the station was judged once (or reported without a picture).
    expect(verdicts.map((v) => v.serial).sort()).toEqual(truth.parts.map((p) => p.serial).sort());

    const r = rates(truth, verdicts);
    console.log(`vision-inspection, ${truth.parts.length} parts: escape rate 漏检率 ${r.escaped}/${r.defective} = ${percent(r.escapeRate)}, `
      + `false-reject rate 误检率 ${r.falselyRejected}/${r.good} = ${percent(r.falseRejectRate)}`);
    expect(r.defective).toBeGreaterThan(50);
    expect(r.escapeRate).toBe(0);
    // A picture lost on a loaded machine is rejected as unseen, never passed: allow a few.
    expect(r.falseRejectRate).toBeLessThanOrEqual(0.01);

    // One reject at the station for every part the APP rejected, naming that part, and no other.
    const rejected = verdicts.filter((v) => v.pass !== true).map((v) => v.serial).sort();
    expect(truth.rejects.map((x) => x.serial).sort()).toEqual(rejected);
    expect(truth.rejects.every((x) => x.known)).toBe(true);

    // Every reject's evidence is kept: annotated picture and verdict, in the evidence index.
    const index = new DatabaseSync(join(work, "data", "evidence", "evidence.sqlite"), { readOnly: true });
    const kept = index.prepare("SELECT serial, png, json FROM evidence WHERE pass = 0 ORDER BY serial").all() as Array<{ serial: string; png: string; json: string }>;
    index.close();
    expect(kept.map((k) => k.serial)).toEqual(verdicts.filter((v) => v.pass === false).map((v) => v.serial).sort());
    expect(kept.every((k) => existsSync(join(work, "data", "evidence", k.png)) && existsSync(join(work, "data", "evidence", k.json)))).toBe(true);

    // The morning shift's report counts every part of the shift and every reject in it.
    const report = readFileSync(join(work, "data", "reports", "reports.jsonl"), "utf8").trim().split("\n")
      .map((line) => (JSON.parse(line) as { value: ReportMessage }).value).find((m) => !m.partial)!;
    expect(report.period).toBe("早班");
    const inShift = truth.parts.filter((p) => p.time >= report.start && p.time < report.end);
    const defectiveInShift = inShift.filter((p) => p.defect !== "none").length;
    expect(report.totals.counts.passed!.messages).toBe(inShift.length);
    expect(report.totals.counts.rejected!.sum).toBe(defectiveInShift + inShift.filter((p) => p.defect === "none" && rejected.includes(p.serial)).length);
    expect(report.totals.events).toBe(report.totals.counts.rejected!.sum);
    const html = readFileSync(report.files.html, "utf8");
    expect(html).toContain("视觉检测班次报表");
    expect(html).toContain("仿真产线"); // the binding's site
    expect(html).toContain(kept[0]!.serial);
  }, 600_000);

  it("writes each reject within its part's cycle at ×20, where the cycle is one second of wall time", () => {
    const { truth, verdicts } = runVision(["--speed", "20", "--for", "15m"]);
    const cycleMs = truth.machines.m3.idealCycleMs;
    const arrived = new Map(truth.parts.map((p) => [p.serial, p.time]));
    const delays = truth.rejects.map((x) => x.time - arrived.get(x.serial)!);
    console.log(`vision-inspection at ×20: ${truth.rejects.length} rejects, model-time delay from the part's arrival ${delays.join(", ")} ms (cycle ${cycleMs} ms)`);
    expect(truth.rejects.length).toBeGreaterThanOrEqual(3);
    expect(truth.rejects.map((x) => x.serial).sort()).toEqual(verdicts.filter((v) => v.pass !== true).map((v) => v.serial).sort());
    for (const delay of delays) expect(delay).toBeLessThan(cycleMs);
  }, 300_000);
});
