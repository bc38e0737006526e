// The report's figures as CSV (UTF-8 with BOM, for Excel) and as an XLSX workbook.
// Both are written from the same column lists, so the two files always agree.
import ExcelJS from "exceljs";
import type { CountTally, DowntimeReason, EventRow, KpiRow, RawRow, ReportData } from "./figures.ts";
import type { SiteTime } from "./site-time.ts";

type Cell = string | number | boolean | Date | null;

interface Column<Row> {
  header: string;
  width: number;
  /** Excel number format; times are given as dates and shown with DATE_TIME. */
  format?: string;
  value(row: Row, time: SiteTime): Cell;
}

const PERCENT = "0.00%";
const INTEGER = "#,##0";
const NUMBER = "#,##0.###";
const DATE_TIME = "yyyy-mm-dd hh:mm:ss";

/** A time as the site's wall clock: a date for Excel (which has no time zones), text in CSV. */
const at = (t: number, time: SiteTime) => new Date(time.wall(t));

export const kpiColumns: Array<Column<KpiRow>> = [
  { header: "设备 Machine", width: 16, value: (r) => (r.kind === "line" ? "全线 All machines" : r.machine) },
  { header: "班次 Shift", width: 12, value: (r) => (r.kind === "report" ? r.shift : "合计 Total") },
  { header: "开始 Start", width: 20, format: DATE_TIME, value: (r, t) => at(r.start, t) },
  { header: "结束 End", width: 20, format: DATE_TIME, value: (r, t) => at(r.end, t) },
  { header: "部分 Partial", width: 10, value: (r) => r.partial },
  { header: "OEE 设备综合效率", width: 12, format: PERCENT, value: (r) => r.oee },
  { header: "时间开动率 Availability", width: 14, format: PERCENT, value: (r) => r.availability },
  { header: "性能开动率 Performance", width: 14, format: PERCENT, value: (r) => r.performance },
  { header: "合格率 Quality", width: 12, format: PERCENT, value: (r) => r.quality },
  { header: "良品 Good", width: 12, format: INTEGER, value: (r) => r.good },
  { header: "废品 Scrap", width: 12, format: INTEGER, value: (r) => r.scrap },
  { header: "总数 Total", width: 12, format: INTEGER, value: (r) => r.total },
  { header: "计划运行时间(秒) Planned busy time (s)", width: 18, format: NUMBER, value: (r) => r.plannedBusyTimeS },
  { header: "实际生产时间(秒) Actual production time (s)", width: 18, format: NUMBER, value: (r) => r.actualProductionTimeS },
  { header: "停机时间(秒) Downtime (s)", width: 16, format: NUMBER, value: (r) => r.downtimeS },
];

export const downtimeColumns: Array<Column<DowntimeReason & { share: number; cumulative: number }>> = [
  { header: "状态 State", width: 12, value: (r) => r.state },
  { header: "原因 Reason", width: 20, value: (r) => r.reason },
  { header: "停机时间(秒) Downtime (s)", width: 16, format: NUMBER, value: (r) => r.seconds },
  { header: "停机次数 Stops", width: 12, format: INTEGER, value: (r) => r.stops },
  { header: "占比 Share", width: 12, format: PERCENT, value: (r) => r.share },
  { header: "累计占比 Cumulative", width: 14, format: PERCENT, value: (r) => r.cumulative },
];

export const countColumns: Array<Column<CountTally>> = [
  { header: "来源 Source", width: 18, value: (r) => r.source },
  { header: "名称 Name", width: 20, value: (r) => r.label },
  { header: "条数 Messages", width: 12, format: INTEGER, value: (r) => r.messages },
  { header: "合计 Sum", width: 14, format: NUMBER, value: (r) => r.sum },
  { header: "最后值 Last", width: 14, format: NUMBER, value: (r) => r.last },
  { header: "最后时间 Last at", width: 20, format: DATE_TIME, value: (r, t) => at(r.lastTs, t) },
];

const eventColumns: Array<Column<EventRow>> = [
  { header: "时间 Time", width: 20, format: DATE_TIME, value: (r, t) => at(r.ts, t) },
  { header: "来源 Source", width: 16, value: (r) => r.source },
  { header: "事件 Event", width: 18, value: (r) => r.event },
  { header: "状态 State", width: 14, value: (r) => r.state },
  { header: "级别 Severity", width: 10, value: (r) => r.severity },
  { header: "说明 Detail", width: 40, value: (r) => r.detail },
  { header: "质量 Quality", width: 10, value: (r) => r.quality },
];

const rawColumns: Array<Column<RawRow>> = [
  { header: "时间 Time", width: 20, format: DATE_TIME, value: (r, t) => at(r.ts, t) },
  { header: "端口 Port", width: 10, value: (r) => r.port },
  { header: "来源 Source", width: 16, value: (r) => r.source },
  { header: "质量 Quality", width: 10, value: (r) => r.quality },
  { header: "数值 Value", width: 80, value: (r) => rawValue(r.value) },
];

function rawValue(value: unknown): Cell {
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "string") return value;
  if (value === undefined || value === null) return null;
  const text = JSON.stringify(value) ?? "";
  // Excel's limit for one cell.
  return text.length > 32_000 ? `${text.slice(0, 31_999)}…` : text;
}

/** Downtime reasons with their share of all downtime and the running share (the Pareto line). */
export function paretoRows(downtime: readonly DowntimeReason[]): Array<DowntimeReason & { share: number; cumulative: number }> {
  const sum = downtime.reduce((a, d) => a + d.seconds, 0);
  let running = 0;
  return downtime.map((d) => {
    running += d.seconds;
    return { ...d, share: sum > 0 ? Math.round((d.seconds / sum) * 10_000) / 10_000 : 0, cumulative: sum > 0 ? Math.round((running / sum) * 10_000) / 10_000 : 0 };
  });
}

// ---- CSV ----

/**
 * UTF-8 with a byte-order mark and CRLF, as Excel expects. Sections (figures, downtime, counts)
 * follow one another, each with its own header row, separated by an empty line.
 */
export function reportCsv(data: ReportData, time: SiteTime): string {
  const sections = [csvTable(kpiColumns, data.kpi.concat(data.line !== undefined && data.machines.length > 1 ? [data.line] : []), time)];
  if (data.downtime.length > 0) sections.push(csvTable(downtimeColumns, paretoRows(data.downtime), time));
  if (data.counts.length > 0) sections.push(csvTable(countColumns, data.counts, time));
  return "\uFEFF" + sections.join("\r\n");
}

function csvTable<Row>(columns: Array<Column<Row>>, rows: readonly Row[], time: SiteTime): string {
  const lines = [columns.map((c) => csvField(c.header))];
  for (const row of rows) lines.push(columns.map((c) => csvCell(c.value(row, time))));
  return lines.map((cells) => cells.join(",") + "\r\n").join("");
}

function csvCell(value: Cell): string {
  if (value === null) return "";
  if (value instanceof Date) return value.toISOString().slice(0, 19).replace("T", " ");
  if (typeof value === "number" || typeof value === "boolean") return String(value).toUpperCase();
  return csvField(value);
}

function csvField(text: string): string {
  // A text cell that Excel would take for a formula is kept as text.
  const safe = /^[=+@\t\r-]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replaceAll('"', '""')}"` : safe;
}

// ---- XLSX ----

/** Sheet 1: the figures; sheet 2: the raw rows received; then downtime, counts and events. */
export async function reportXlsx(data: ReportData, time: SiteTime): Promise<Uint8Array> {
  const book = new ExcelJS.Workbook();
  book.creator = "Dengta";
  book.created = new Date(data.generatedAt);
  book.title = `${data.title["zh-CN"]} ${data.title.en}`;
  sheet(book, "指标 Figures", kpiColumns, data.kpi.concat(data.line !== undefined && data.machines.length > 1 ? [data.line] : []), time);
  sheet(book, "原始数据 Raw rows", rawColumns, data.raw, time);
  sheet(book, "停机 Downtime", downtimeColumns, paretoRows(data.downtime), time);
  sheet(book, "计数 Counts", countColumns, data.counts, time);
  sheet(book, "事件 Events", eventColumns, data.events, time);
  const buffer = await book.xlsx.writeBuffer();
  return new Uint8Array(buffer as unknown as ArrayBuffer);
}

function sheet<Row>(book: ExcelJS.Workbook, name: string, columns: Array<Column<Row>>, rows: readonly Row[], time: SiteTime): void {
  const ws = book.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  ws.columns = columns.map((c) => ({ header: c.header, width: c.width }));
  for (const row of rows) ws.addRow(columns.map((c) => c.value(row, time)));
  columns.forEach((c, i) => {
    if (c.format !== undefined) ws.getColumn(i + 1).numFmt = c.format;
  });
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: "middle", wrapText: true };
  header.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFE8EEF5" } };
  if (rows.length > 0) ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
}
