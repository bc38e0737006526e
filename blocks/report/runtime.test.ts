import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { defineBlock, type SiteCalendar } from "../../runtime/block.ts";
import { runInHarness, type HarnessRun } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import report from "./runtime.ts";

// Shifts and days follow the site's time zone, never the box's: run as if the box were on UTC.
process.env.TZ = "UTC";

const MIN = 60_000;
const HOUR = 60 * MIN;
const GRACE = 5_000;

const calendar: SiteCalendar = {
  timezone: "Asia/Shanghai",
  shifts: [
    { name: "夜班", start: "00:00", end: "08:00" },
    { name: "早班", start: "08:00", end: "16:00", breaks: [["12:00", "12:30"]] },
    { name: "中班", start: "16:00", end: "24:00" },
  ],
};
const day0 = Date.UTC(2026, 2, 1, 16); // 2026-03-02 00:00 in Shanghai
const shifts = [
  { name: "夜班", start: day0, end: day0 + 8 * HOUR },
  { name: "早班", start: day0 + 8 * HOUR, end: day0 + 16 * HOUR },
  { name: "中班", start: day0 + 16 * HOUR, end: day0 + 24 * HOUR },
];
const machines = ["一号机 CNC-07", "M2", "A&B <3>"];

interface Oee {
  machine: string; shift: string; start: number; end: number; partial: boolean;
  plannedBusyTimeS: number; actualProductionTimeS: number; downtimeS: number;
  good: number; scrap: number; total: number;
  availability: number; performance: number; quality: number; oee: number;
  downtimeReasons: Array<{ state: string; reason: string; seconds: number; stops: number }>;
}

/** Reports as the OEE block sends them, with figures that differ per machine and shift. */
function oeeReport(m: number, s: number): Oee {
  const shift = shifts[s]!;
  const plannedBusyTimeS = s === 1 ? 450 * 60 : 480 * 60;
  const downtimeS = (20 + 7 * m + 11 * s) * 60;
  const actualProductionTimeS = plannedBusyTimeS - downtimeS;
  const good = 1000 + 137 * m + 59 * s;
  const scrap = 3 + m + 2 * s;
  const availability = Math.round((actualProductionTimeS / plannedBusyTimeS) * 10_000) / 10_000;
  const performance = [0.9123, 0.8761, 0.9512][m]! - s * 0.0101;
  const quality = Math.round((good / (good + scrap)) * 10_000) / 10_000;
  return {
    machine: machines[m]!, shift: shift.name, start: shift.start, end: shift.end, partial: false,
    plannedBusyTimeS, actualProductionTimeS, downtimeS, good, scrap, total: good + scrap,
    availability, performance: Math.round(performance * 10_000) / 10_000, quality,
    oee: Math.round(availability * performance * quality * 10_000) / 10_000,
    downtimeReasons: [
      { state: "down", reason: "E101 换刀", seconds: (12 + 5 * m) * 60, stops: 2 },
      { state: "idle", reason: "", seconds: (8 + 2 * m + 11 * s) * 60, stops: 1 + s },
    ],
  };
}

const passOn = defineBlock({
  onMessage(_port, msg, ctx) {
    ctx.emit("out", msg.value, { ts: msg.ts, quality: msg.quality });
  },
});

async function startReport(config: Record<string, unknown>, startMs: number, site: { calendar?: SiteCalendar } = { calendar }, dataDir?: string) {
  return runInHarness({
    ...(dataDir === undefined ? {} : { dataDir }),
    nodes: {
      report: { block: report, config, outputs: ["report"] },
      goodParts: { block: passOn, outputs: ["out"] },
      verdicts: { block: passOn, outputs: ["out"] },
    },
    edges: ["goodParts.out -> report.counts", "verdicts.out -> report.counts"],
    capture: ["report.report"],
    inject: ["report.oee", "report.events", "goodParts.in", "verdicts.in"],
    startMs,
    site: { endpoints: {}, cameras: {}, secret: () => undefined, ...site },
  });
}

interface Written {
  period: string; date: string; start: number; end: number; partial: boolean; timezone: string;
  files: { html: string; csv: string; xlsx: string };
  totals: Record<string, unknown> & { counts: Record<string, { sum: number; last: number; messages: number }> };
}

/** The XLSX is packed asynchronously after the timer fired: wait for the `report` messages. */
async function written(run: HarnessRun, count: number): Promise<Written[]> {
  for (let i = 0; i < 500; i++) {
    const list = run.captured.get("report.report") ?? [];
    if (list.length >= count) return list.map((m) => m.value as Written);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected ${count} reports, got ${(run.captured.get("report.report") ?? []).length}`);
}

/** Feeds a whole day: each shift's OEE reports arrive at its end, as the OEE block sends them. */
async function feedDay(run: HarnessRun): Promise<Oee[]> {
  const sent: Oee[] = [];
  for (let s = 0; s < 3; s++) {
    const shift = shifts[s]!;
    run.send("goodParts.in", 40 + s, shift.start + HOUR);
    run.send("goodParts.in", 60, shift.start + 2 * HOUR);
    run.send("verdicts.in", s === 2 ? false : true, shift.start + 3 * HOUR);
    run.send("report.events", { alarm: "主轴过热 Spindle hot", severity: "high", message: { en: "Spindle above 80 °C", "zh-CN": "主轴温度超过 80 °C" }, transition: "raised", state: "unacknowledged" }, shift.start + 4 * HOUR);
    await run.runUntil(shift.end);
    for (let m = 0; m < 3; m++) {
      const r = oeeReport(m, s);
      sent.push(r);
      run.send("report.oee", r, shift.end);
    }
  }
  await run.runUntil(day0 + 24 * HOUR + GRACE);
  return sent;
}

/** A CSV section as rows of cells; quotes and doubled quotes undone. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n") { row.push(field.replace(/\r$/, "")); rows.push(row); row = []; field = ""; }
    else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(2)}%`;

describe("dengta.report.shift", () => {
  it("writes one HTML, CSV and XLSX report per shift in the site's time zone, with the OEE reports' exact figures", async () => {
    expect(process.env.TZ).toBe("UTC");
    const run = await startReport({ title: { en: "Line 2 shift report", "zh-CN": "二号线班次报表" }, site: { en: "Line 2", "zh-CN": "二号线" } }, day0);
    const sent = await feedDay(run);
    const reports = await written(run, 3);
    await run.stop();
    expect(reports.map((r) => [r.period, r.date, r.start, r.end, r.partial])).toEqual(shifts.map((s) => [s.name, "2026-03-02", s.start, s.end, false]));

    for (const [s, out] of reports.entries()) {
      const input = sent.filter((r) => r.shift === shifts[s]!.name);
      expect(input).toHaveLength(3);
      expect(out.files).toEqual({
        html: join(run.dataDir, "report", `2026-03-02-${shifts[s]!.name}.html`),
        csv: join(run.dataDir, "report", `2026-03-02-${shifts[s]!.name}.csv`),
        xlsx: join(run.dataDir, "report", `2026-03-02-${shifts[s]!.name}.xlsx`),
      });
      for (const path of Object.values(out.files)) {
        expect(isAbsolute(path)).toBe(true);
        expect(existsSync(path)).toBe(true);
      }
      expect(out.totals).toMatchObject({ reports: 3, machines: 3, good: input.reduce((a, r) => a + r.good, 0), scrap: input.reduce((a, r) => a + r.scrap, 0), events: 1 });
      expect(out.totals.counts).toEqual({
        goodParts: { sum: 100 + s, last: 60, messages: 2 },
        verdicts: { sum: s === 2 ? 0 : 1, last: s === 2 ? 0 : 1, messages: 1 },
      });

      // HTML: self-contained, charts as inline SVG, every figure as given, text escaped.
      const html = readFileSync(out.files.html, "utf8");
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain("<svg");
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toContain("http://");
      expect(html).not.toContain("https://");
      expect(html).not.toMatch(/<link|@import/i);
      expect(html).toContain("二号线班次报表");
      expect(html).toContain("Line 2 shift report");
      expect(html).toContain("二号线");
      expect(html).toContain("OEE 设备综合效率");
      expect(html).toContain("Asia/Shanghai (UTC+08:00)");
      expect(html).toContain(`班次 Shift: ${shifts[s]!.name}`);
      expect(html).toContain("一号机 CNC-07");
      expect(html).toContain("A&amp;B &lt;3&gt;");
      expect(html).not.toContain("A&B <3>");
      expect(html).toContain("主轴温度超过 80 °C");
      const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
      expect(svgs).toHaveLength(2); // OEE per machine, downtime Pareto
      for (const name of ["一号机 CNC-07", "M2", "A&amp;B &lt;3&gt;"]) expect(svgs[0]).toContain(name);
      expect(svgs[1]).toContain("E101 换刀");
      for (const r of input) {
        for (const ratio of [r.oee, r.availability, r.performance, r.quality]) expect(html).toContain(`>${pct(ratio)}<`);
        expect(svgs[0]).toContain(`${(Math.round(r.oee * 10_000) / 100)}%`);
      }

      // CSV: UTF-8 with BOM; the first section has one row per OEE report with its figures.
      const bytes = readFileSync(out.files.csv);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const csv = bytes.toString("utf8").slice(1);
      const rows = parseCsv(csv.split("\r\n\r\n")[0]!);
      const header = rows[0]!;
      expect(header).toEqual([
        "设备 Machine", "班次 Shift", "开始 Start", "结束 End", "部分 Partial", "OEE 设备综合效率", "时间开动率 Availability",
        "性能开动率 Performance", "合格率 Quality", "良品 Good", "废品 Scrap", "总数 Total",
        "计划运行时间(秒) Planned busy time (s)", "实际生产时间(秒) Actual production time (s)", "停机时间(秒) Downtime (s)",
      ]);
      const local = (t: number) => new Date(t + 8 * HOUR).toISOString().slice(0, 19).replace("T", " ");
      for (const r of input) {
        expect(rows).toContainEqual([
          r.machine, r.shift, local(r.start), local(r.end), "FALSE", String(r.oee), String(r.availability),
          String(r.performance), String(r.quality), String(r.good), String(r.scrap), String(r.total),
          String(r.plannedBusyTimeS), String(r.actualProductionTimeS), String(r.downtimeS),
        ]);
      }
      expect(rows.at(-1)![0]).toBe("全线 All machines");
      expect(csv).toContain("E101 换刀");

      // XLSX: figures with a frozen header and number formats, the raw rows on sheet 2.
      const book = new ExcelJS.Workbook();
      await book.xlsx.readFile(out.files.xlsx);
      const figures = book.worksheets[0]!;
      expect(figures.name).toBe("指标 Figures");
      expect(figures.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
      expect(figures.getRow(1).values).toEqual([undefined, ...header]);
      const byMachine = new Map<string, ExcelJS.Row>();
      figures.eachRow((row, n) => {
        if (n > 1) byMachine.set(String(row.getCell(1).value), row);
      });
      for (const r of input) {
        const row = byMachine.get(r.machine)!;
        expect(row.getCell(2).value).toBe(r.shift);
        expect((row.getCell(3).value as Date).toISOString()).toBe(new Date(r.start + 8 * HOUR).toISOString());
        expect([6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((c) => row.getCell(c).value)).toEqual([
          r.oee, r.availability, r.performance, r.quality, r.good, r.scrap, r.total, r.plannedBusyTimeS, r.actualProductionTimeS, r.downtimeS,
        ]);
        expect(row.getCell(6).numFmt).toBe("0.00%");
        expect(row.getCell(10).numFmt).toBe("#,##0");
      }
      const raw = book.worksheets[1]!;
      expect(raw.name).toBe("原始数据 Raw rows");
      expect(raw.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
      expect(raw.rowCount).toBe(1 + 3 + 3 + 1); // header, 3 OEE reports, 3 counts, 1 event
      const rawValues: string[] = [];
      raw.eachRow((row, n) => {
        if (n > 1) rawValues.push(String(row.getCell(5).value));
      });
      expect(rawValues.filter((v) => v.includes('"machine"')).map((v) => JSON.parse(v) as Oee)).toEqual(input);
      expect(rawValues.some((v) => v.includes("主轴过热"))).toBe(true);
      const events = book.getWorksheet("事件 Events")!;
      expect(events.getRow(2).getCell(3).value).toBe("主轴过热 Spindle hot");
    }
    expect(run.engine.counters()["report.written"]).toBe(3);
    expect(run.logs.filter((l) => l.level !== "info")).toEqual([]);
  });

  it("a day report in the site's time zone lists every shift and combines each machine's day", async () => {
    const run = await startReport({ period: "day" }, day0);
    const sent = await feedDay(run);
    const [out] = await written(run, 1);
    await run.stop();
    expect(out).toMatchObject({ period: "day", date: "2026-03-02", start: day0, end: day0 + 24 * HOUR, partial: false, timezone: "Asia/Shanghai" });
    expect(out!.files.html).toBe(join(run.dataDir, "report", "2026-03-02-day.html"));
    const html = readFileSync(out!.files.html, "utf8");
    expect(html).toContain("日报");
    for (const r of sent) expect(html).toContain(`>${pct(r.oee)}<`);
    // A machine's day: the times summed, performance weighted by run time.
    const m1 = sent.filter((r) => r.machine === machines[0]);
    const pbt = m1.reduce((a, r) => a + r.plannedBusyTimeS, 0);
    const apt = m1.reduce((a, r) => a + r.actualProductionTimeS, 0);
    const npt = m1.reduce((a, r) => a + r.performance * r.actualProductionTimeS, 0);
    const good = m1.reduce((a, r) => a + r.good, 0);
    const total = m1.reduce((a, r) => a + r.total, 0);
    const dayOee = Math.round((apt / pbt) * (npt / apt) * (good / total) * 10_000) / 10_000;
    const rows = parseCsv(readFileSync(out!.files.csv, "utf8").slice(1).split("\r\n\r\n")[0]!);
    expect(rows).toContainEqual(expect.arrayContaining([machines[0], "合计 Total", String(dayOee)]));
    expect(html).toContain(`>${pct(dayOee)}<`);
    expect(rows.filter((r) => r[1] !== "合计 Total")).toHaveLength(1 + 9); // header + 9 reports
  });

  it("writes a partial report when the APP stops within the period, and Chinese survives in all three files", async () => {
    const t0 = shifts[1]!.start + 2 * HOUR; // started at 10:00 in Shanghai, inside 早班
    const run = await startReport({}, t0);
    run.send("goodParts.in", 7, t0 + 10 * MIN);
    run.send("report.events", { alarm: "急停", severity: "high", message: "急停按钮被按下", transition: "raised" }, t0 + 20 * MIN);
    await run.runUntil(t0 + HOUR);
    // At stop the OEE block upstream sends the shift so far; then this block reports.
    const partialOee: Oee = { ...oeeReport(0, 1), start: t0, end: t0 + HOUR, partial: true };
    run.send("report.oee", partialOee, t0 + HOUR);
    await run.stop();
    const [out] = await written(run, 1);
    expect(out).toMatchObject({ period: "早班", date: "2026-03-02", start: t0, end: t0 + HOUR, partial: true });
    const html = readFileSync(out!.files.html, "utf8");
    expect(html).toContain("部分报表 Partial report");
    expect(html).toContain("11:00");
    const csv = readFileSync(out!.files.csv, "utf8");
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(out!.files.xlsx);
    const figures = book.worksheets[0]!;
    expect(figures.getRow(2).getCell(5).value).toBe(true);
    const sheetText = book.worksheets.map((ws) => {
      const cells: string[] = [];
      ws.eachRow((row) => row.eachCell((c) => cells.push(String(c.value))));
      return cells.join("\n");
    }).join("\n");
    for (const text of ["一号机 CNC-07", "早班", "E101 换刀", "设备"]) {
      expect(html).toContain(text);
      expect(csv).toContain(text);
      expect(sheetText).toContain(text);
    }
    expect(html).toContain("急停按钮被按下");
    expect(sheetText).toContain("急停按钮被按下");
    expect(readdirSync(join(run.dataDir, "report")).sort()).toEqual(["2026-03-02-早班.csv", "2026-03-02-早班.html", "2026-03-02-早班.xlsx"]);
  });

  it("continues the shift's report after a restart: the full report has what came before it", async () => {
    const shift = shifts[1]!;
    const first = await startReport({}, shift.start);
    {
      first.send("goodParts.in", 7, shift.start + HOUR);
      first.send("report.events", { alarm: "急停", message: "急停按钮被按下", transition: "raised" }, shift.start + 90 * MIN);
      await first.runUntil(shift.start + 2 * HOUR);
      await first.stop();
      expect((await written(first, 1))[0]).toMatchObject({ period: "早班", partial: true, end: shift.start + 2 * HOUR });
    }
    const second = await startReport({}, shift.start + 2 * HOUR + 10 * MIN, { calendar }, first.dataDir);
    second.send("goodParts.in", 5, shift.start + 3 * HOUR);
    await second.runUntil(shift.end);
    second.send("report.oee", oeeReport(0, 1), shift.end);
    await second.runUntil(shift.end + GRACE);
    const [full] = await written(second, 1);
    expect(full).toMatchObject({ period: "早班", partial: false, start: shift.start, end: shift.end });
    expect(full!.totals.counts.goodParts).toMatchObject({ sum: 12, messages: 2 });
    expect(full!.totals.events).toBe(1);
    expect(readFileSync(full!.files.html, "utf8")).toContain("急停按钮被按下");
    await second.stop();
  });

  it("reports at start a shift that ended while the APP was stopped, without writing it twice", async () => {
    const shift = shifts[1]!;
    const first = await startReport({}, shift.start);
    first.send("goodParts.in", 7, shift.start + HOUR);
    await first.runUntil(shift.start + 2 * HOUR);
    await first.stop();
    await written(first, 1);
    // Started again in the next shift: the clean stop has written 早班 as far as it went.
    const second = await startReport({}, shift.end + HOUR, { calendar }, first.dataDir);
    second.send("goodParts.in", 3, shift.end + 2 * HOUR);
    await second.runUntil(shift.end + 8 * HOUR + GRACE);
    const reports = await written(second, 1);
    expect(reports.map((r) => [r.period, r.partial, r.totals.counts.goodParts?.sum])).toEqual([["中班", true, 3]]);
    await second.stop();
  });

  it("after a crash, reports at start what it had kept of a shift that ended meanwhile", async () => {
    const shift = shifts[1]!;
    const crashed = await startReport({}, shift.start);
    await crashed.runUntil(shift.start + HOUR);
    crashed.send("goodParts.in", 7, shift.start + HOUR);
    await crashed.runUntil(shift.start + HOUR + MIN);
    // No stop: the box lost power. The next start is in the next shift.
    const second = await startReport({}, shift.end + HOUR, { calendar }, crashed.dataDir);
    const [late] = await written(second, 1);
    expect(late).toMatchObject({ period: "早班", partial: true, start: shift.start, end: shift.start + HOUR });
    expect(late!.totals.counts.goodParts).toMatchObject({ sum: 7, messages: 1 });
    await second.stop();
    await crashed.stop();
  });

  it("reports an idle shift too, caps the events, and uses UTC days without a calendar", async () => {
    const t0 = Date.UTC(2026, 0, 5);
    const run = await startReport({ maxEvents: 2, graceS: 0 }, t0, {});
    for (let i = 0; i < 5; i++) run.send("report.events", `event ${i}`, t0 + i * MIN);
    run.send("report.oee", { machine: "M" }, t0 + 5 * MIN); // not a report
    await run.runUntil(t0 + 48 * HOUR);
    const reports = await written(run, 2);
    await run.stop();
    expect(reports.map((r) => [r.period, r.date, r.partial, r.totals.events])).toEqual([["day", "2026-01-05", false, 5], ["day", "2026-01-06", false, 0]]);
    const html = readFileSync(reports[0]!.files.html, "utf8");
    expect(html).toContain("event 1");
    expect(html).not.toContain("event 2");
    expect(html).toContain("另有 3 条事件未列出");
    expect(html).toContain("UTC (UTC+00:00)");
    expect(readFileSync(reports[1]!.files.html, "utf8")).toContain("无 OEE 报表");
    expect(run.engine.counters()["report.invalid"]).toBe(1);
  });

  it("validates its config with the library's schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = {};
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ period: "shift", graceS: 5, maxEvents: 200, maxRows: 10_000 });
    expect(validate({ period: "day", title: { en: "Daily", "zh-CN": "日报" }, site: "二号线", labels: { goodParts: { en: "Good", "zh-CN": "良品" } } })).toBe(true);
    expect(validate({ period: "week" })).toBe(false);
    expect(validate({ title: { en: "only English" } })).toBe(false);
    expect(validate({ graceS: -1 })).toBe(false);
  });
});
