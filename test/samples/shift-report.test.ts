// samples/shift-report on the simulator at speed: the morning shift's report — HTML, CSV and XLSX —
// shows each machine's good parts and scrap exactly as the simulator counted them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { expect, it } from "vitest";
import { runSample } from "../support/cli.ts";

interface ReportMessage {
  period: string; start: number; partial: boolean;
  files: { html: string; csv: string; xlsx: string };
  totals: { good: number; scrap: number; counts: Record<string, { sum: number }> };
}
interface ShiftTruth { start: number; machines: Record<string, { good: number; scrap: number }> }

it("writes the shift's report with every machine's good parts and scrap equal to the simulator's counts", async () => {
  const { run, work } = runSample("shift-report", ["--speed", "600", "--seed", "1", "--for", "8h1m"]);
  expect(run.status, run.stderr).toBe(0);
  const truth = JSON.parse(readFileSync(join(work, "simulator-truth.json"), "utf8")) as { shifts: ShiftTruth[] };
  const reports = readFileSync(join(work, "data", "reports", "reports.jsonl"), "utf8").trim().split("\n")
    .map((line) => (JSON.parse(line) as { value: ReportMessage }).value);
  const report = reports.find((r) => !r.partial)!;
  expect(report.period).toBe("早班");
  const shift = truth.shifts.find((s) => s.start === report.start)!;
  expect(shift).toBeDefined();
  const expected = Object.fromEntries(["m1", "m2", "m3"].map((m) => [m.toUpperCase(), [shift.machines[m]!.good, shift.machines[m]!.scrap]]));

  // The CSV's first table: one row per machine, then the line's total.
  const csv = readFileSync(report.files.csv, "utf8");
  expect(csv.charCodeAt(0)).toBe(0xfeff);
  const rows = csv.slice(1).split("\r\n\r\n")[0]!.split("\r\n").map((line) => line.split(","));
  const header = rows[0]!;
  const column = (name: string) => header.findIndex((h) => h.includes(name));
  const fromCsv = Object.fromEntries(rows.slice(1, 4).map((r) => [r[0], [Number(r[column("Good")]), Number(r[column("Scrap")])]]));
  expect(fromCsv).toEqual(expected);

  // The XLSX's first sheet says the same.
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(report.files.xlsx);
  const sheet = book.worksheets[0]!;
  // exceljs's row values start at index 1 (a hole at 0).
  const titles = Array.from(sheet.getRow(1).values as unknown[], (v) => String(v ?? ""));
  const at = (name: string) => titles.findIndex((t) => t.includes(name));
  const fromXlsx: Record<string, number[]> = {};
  for (let r = 2; r <= 4; r++) {
    const values = Array.from(sheet.getRow(r).values as unknown[]);
    fromXlsx[String(values[at("Machine")])] = [Number(values[at("Good")]), Number(values[at("Scrap")])];
  }
  expect(fromXlsx).toEqual(expected);

  // The counters summed in the report, and the page with its charts.
  const goodTotal = Object.values(expected).reduce((sum, [good]) => sum + good!, 0);
  expect(report.totals.good).toBe(goodTotal);
  expect(["m1", "m2", "m3"].map((m) => report.totals.counts[`${m}GoodParts`]!.sum)).toEqual(["m1", "m2", "m3"].map((m) => shift.machines[m]!.good));
  const html = readFileSync(report.files.html, "utf8");
  expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(2);
  expect(html).toContain("产线班次报表");
  expect(existsSync(report.files.xlsx)).toBe(true);
}, 600_000);
