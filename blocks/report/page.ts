// The report as one self-contained HTML page: inline CSS, charts rendered here to SVG by
// Apache ECharts (server-side rendering), no scripts, fonts or links to fetch.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TitleComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import type { KpiRow, ReportData } from "./figures.ts";
import type { SiteTime } from "./site-time.ts";
import { paretoRows } from "./tables.ts";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TitleComponent, SVGRenderer]);

const FONT = `system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif`;
const CHART_WIDTH = 760;
const CHART_HEIGHT = 320;
/** Reasons beyond these are summed as "other" in the Pareto chart (the table lists them all). */
const PARETO_BARS = 10;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });
export const percent = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? "–" : `${(ratio * 100).toFixed(2)}%`);
const count = (n: number) => (Number.isInteger(n) ? integer.format(n) : decimal.format(n));
/** Seconds as h:mm, e.g. 2820 → 0:47. */
const hoursMinutes = (seconds: number) => {
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
};
const minutesText = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;

/** An SVG string from ECharts, made fit to sit inside HTML with no link to anywhere. */
function chartSvg(option: echarts.EChartsCoreOption, height = CHART_HEIGHT): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: CHART_WIDTH, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT }, ...option });
    // Inline SVG in HTML needs no namespace declarations; they would be the page's only URLs.
    return chart.renderToSVGString().replace(/\s+xmlns(?::\w+)?="[^"]*"/g, "");
  } finally {
    chart.dispose();
  }
}

function oeeChart(data: ReportData): string {
  const reports = data.kpi.filter((r) => r.kind === "report");
  const shifts = [...new Set(reports.map((r) => r.shift))];
  const machines = data.machines.map((m) => m.machine);
  // One bar per machine and shift; in a day's report with several shifts, the day's OEE as well.
  const series = shifts.map((shift) => ({
    name: shift || "OEE",
    type: "bar",
    data: machines.map((machine) => {
      const rows = reports.filter((r) => r.machine === machine && r.shift === shift);
      return rows.length === 1 ? Math.round(rows[0]!.oee * 10_000) / 100 : null;
    }),
  }));
  if (shifts.length > 1 || reports.length > machines.length) {
    series.push({ name: "合计 Total", type: "bar", data: data.machines.map((m) => Math.round(m.oee * 10_000) / 100) });
  }
  return chartSvg({
    color: ["#2f6fb2", "#e08a2c", "#4c9a5b", "#8e5ea2", "#b5483f"],
    legend: { show: series.length > 1, top: 0, selectedMode: false },
    grid: { left: 56, right: 20, top: series.length > 1 ? 36 : 20, bottom: 40 },
    xAxis: { type: "category", data: machines, axisLabel: { interval: 0 } },
    yAxis: { type: "value", min: 0, max: 100, name: "OEE %", axisLabel: { formatter: "{value}%" } },
    series: series.map((s) => ({ ...s, silent: true, barMaxWidth: 48, label: { show: true, position: "top", formatter: "{c}%", fontSize: 11 } })),
  });
}

function paretoChart(data: ReportData): string {
  const rows = paretoRows(data.downtime);
  const shown = rows.slice(0, PARETO_BARS);
  const rest = rows.slice(PARETO_BARS);
  const labels = shown.map((r) => reasonLabel(r.state, r.reason));
  const minutes = shown.map((r) => Math.round(r.seconds / 6) / 10);
  const cumulative = shown.map((r) => Math.round(r.cumulative * 1000) / 10);
  if (rest.length > 0) {
    labels.push("其他 Other");
    minutes.push(Math.round(rest.reduce((a, r) => a + r.seconds, 0) / 6) / 10);
    cumulative.push(100);
  }
  return chartSvg({
    color: ["#b5483f", "#2f6fb2"],
    legend: { top: 0, itemGap: 24, selectedMode: false, data: ["停机 Downtime (min)", "累计 Cumulative %"] },
    grid: { left: 56, right: 56, top: 40, bottom: 64 },
    xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 5 ? 30 : 0 } },
    yAxis: [
      { type: "value", name: "min", min: 0 },
      { type: "value", name: "%", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
    ],
    series: [
      { name: "停机 Downtime (min)", type: "bar", silent: true, data: minutes, barMaxWidth: 48, label: { show: true, position: "insideTop", color: "#fff", fontSize: 11 } },
      { name: "累计 Cumulative %", type: "line", silent: true, yAxisIndex: 1, data: cumulative, symbolSize: 6, label: { show: true, position: "top", formatter: "{c}%", fontSize: 10, color: "#2f6fb2", backgroundColor: "rgba(255,255,255,0.85)", padding: [1, 2] } },
    ],
  });
}

export function reasonLabel(state: string, reason: string): string {
  return reason === "" ? `${state} (未注明 no reason)` : `${state} · ${reason}`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;padding:24px;font-family:${FONT};color:#1d2733;background:#f4f6f9;font-size:14px;line-height:1.5}
main{max-width:980px;margin:0 auto;background:#fff;padding:24px 32px;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:24px;margin:0 0 4px}
h1 .en,h2 .en{font-weight:normal;color:#5b6b7d;margin-left:.4em}
h2{font-size:18px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid #2f6fb2}
.meta{color:#43515f;margin:0}
.partial{background:#fff4e0;border:1px solid #e0a030;padding:8px 12px;border-radius:6px;margin:12px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{flex:1 1 140px;border:1px solid #d8dee6;border-radius:6px;padding:8px 12px}
.card .label{color:#5b6b7d;font-size:12px}
.card .value{font-size:22px;font-weight:600}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d8dee6;padding:4px 6px;text-align:left;vertical-align:top}
.scroll{overflow-x:auto}
th{background:#e8eef5;font-weight:600}
td.num{text-align:right;white-space:nowrap}
tr.total td{font-weight:600;background:#f4f7fb}
.chart{margin:8px 0;overflow-x:auto}
.none{color:#7a8796;font-style:italic}
footer{margin-top:24px;color:#7a8796;font-size:12px}
@media print{body{background:#fff;padding:0}main{box-shadow:none}}
`;

const heading = (zh: string, en: string) => `${escapeHtml(zh)}<span class="en">${escapeHtml(en)}</span>`;
const cell = (text: string, numeric = false) => `<td${numeric ? ' class="num"' : ""}>${escapeHtml(text)}</td>`;
const headRow = (headers: ReadonlyArray<readonly [string, string]>) =>
  `<tr>${headers.map(([zh, en]) => `<th>${escapeHtml(zh)}<br>${escapeHtml(en)}</th>`).join("")}</tr>`;

function kpiTable(data: ReportData, time: SiteTime): string {
  if (data.kpi.length === 0) return `<p class="none">无 OEE 报表 · No OEE reports received.</p>`;
  const row = (r: KpiRow) => {
    const name = r.kind === "line" ? "全线 All machines" : r.machine;
    const shift = r.kind === "report" ? r.shift : "合计 Total";
    const span = `${time.time(r.start)}–${time.time(r.end)}${r.partial ? " *" : ""}`;
    return `<tr${r.kind === "report" ? "" : ' class="total"'}>${cell(name)}${cell(shift)}${cell(span)}${cell(percent(r.oee), true)}${cell(percent(r.availability), true)}${cell(percent(r.performance), true)}${cell(percent(r.quality), true)}${cell(count(r.good), true)}${cell(count(r.scrap), true)}${cell(hoursMinutes(r.plannedBusyTimeS), true)}${cell(hoursMinutes(r.downtimeS), true)}</tr>`;
  };
  const rows = data.kpi.map(row);
  if (data.line !== undefined && data.machines.length > 1) rows.push(row(data.line));
  return `<div class="scroll"><table>
<thead>${headRow([["设备", "Machine"], ["班次", "Shift"], ["时段", "Time"], ["OEE", "设备综合效率"], ["时间开动率", "Availability"], ["性能开动率", "Performance"], ["合格率", "Quality"], ["良品", "Good"], ["废品", "Scrap"], ["计划运行 (h:mm)", "Planned busy"], ["停机 (h:mm)", "Downtime"]])}</thead>
<tbody>${rows.join("\n")}</tbody>
</table></div>${data.kpi.some((r) => r.partial) ? `<p class="meta">* 部分班次（未覆盖整个班次）· partial: does not cover the whole shift</p>` : ""}`;
}

function downtimeTable(data: ReportData): string {
  const rows = paretoRows(data.downtime).map((r) =>
    `<tr>${cell(r.state)}${cell(r.reason || "—")}${cell(minutesText(r.seconds), true)}${cell(count(r.stops), true)}${cell(percent(r.share), true)}${cell(percent(r.cumulative), true)}</tr>`);
  return `<div class="scroll"><table>
<thead>${headRow([["状态", "State"], ["原因", "Reason"], ["停机时长", "Downtime"], ["次数", "Stops"], ["占比", "Share"], ["累计占比", "Cumulative"]])}</thead>
<tbody>${rows.join("\n")}</tbody>
</table></div>`;
}

function countsTable(data: ReportData, time: SiteTime): string {
  if (data.counts.length === 0) return `<p class="none">无计数 · No counts received.</p>`;
  const rows = data.counts.map((c) =>
    `<tr>${cell(c.label === c.source ? c.source : `${c.label} (${c.source})`)}${cell(count(c.messages), true)}${cell(count(c.sum), true)}${cell(count(c.last), true)}${cell(time.dateTime(c.lastTs))}</tr>`);
  return `<div class="scroll"><table>
<thead>${headRow([["来源", "Source"], ["条数", "Messages"], ["合计", "Sum"], ["最后值", "Last value"], ["最后时间", "Last at"]])}</thead>
<tbody>${rows.join("\n")}</tbody>
</table></div>`;
}

function eventsTable(data: ReportData, time: SiteTime): string {
  if (data.events.length === 0 && data.eventsNotListed === 0) return `<p class="none">无事件 · No events.</p>`;
  const rows = data.events.map((e) =>
    `<tr>${cell(time.dateTime(e.ts))}${cell(e.source)}${cell(e.event)}${cell(e.state)}${cell(e.severity)}${cell(e.detail)}</tr>`);
  const more = data.eventsNotListed > 0
    ? `<p class="meta">另有 ${count(data.eventsNotListed)} 条事件未列出 · ${count(data.eventsNotListed)} more events not listed.</p>` : "";
  return `<div class="scroll"><table>
<thead>${headRow([["时间", "Time"], ["来源", "Source"], ["事件", "Event"], ["状态", "State"], ["级别", "Severity"], ["说明", "Detail"]])}</thead>
<tbody>${rows.join("\n")}</tbody>
</table></div>${more}`;
}

function cards(data: ReportData): string {
  const line = data.line;
  const card = (zh: string, en: string, value: string) =>
    `<div class="card"><div class="label">${escapeHtml(zh)} ${escapeHtml(en)}</div><div class="value">${escapeHtml(value)}</div></div>`;
  if (line === undefined) return "";
  return `<div class="cards">${[
    card("OEE", data.machines.length > 1 ? "全线 line" : "设备综合效率", percent(line.oee)),
    card("良品", "Good", count(line.good)),
    card("废品", "Scrap", count(line.scrap)),
    card("停机", "Downtime (h:mm)", hoursMinutes(line.downtimeS)),
  ].join("")}</div>`;
}

/** The whole page. Every text that came from config or messages is escaped. */
export function reportHtml(data: ReportData, time: SiteTime): string {
  const title = data.title;
  const periodName = data.period === "day" ? "全天 Day" : data.period;
  const span = `${time.dateTime(data.start).slice(0, 16)} – ${time.date(data.end) === time.date(data.start) ? time.time(data.end) : time.dateTime(data.end).slice(0, 16)}`;
  const site = data.site === undefined ? "" : `站点 Site: ${data.site["zh-CN"] === data.site.en ? data.site.en : `${data.site["zh-CN"]} ${data.site.en}`} · `;
  const partial = data.partial
    ? `<p class="partial"><strong>部分报表 Partial report</strong> — 仅覆盖 ${escapeHtml(span)}（APP 中途启动或停止）· covers ${escapeHtml(span)} only (the APP started or stopped within the period).</p>` : "";
  const oee = data.machines.length > 0 ? `<div class="chart">${oeeChart(data)}</div>` : "";
  const pareto = data.downtime.length > 0 ? `<div class="chart">${paretoChart(data)}</div>${downtimeTable(data)}` : `<p class="none">无停机记录 · No downtime recorded.</p>`;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Dengta dengta.report.shift">
<title>${escapeHtml(`${title["zh-CN"]} ${title.en} · ${periodName} ${data.date}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${heading(title["zh-CN"], title.en)}</h1>
<p class="meta">${escapeHtml(`${site}${data.period === "day" ? "日期 Date" : "班次 Shift"}: ${periodName} · ${span}`)}</p>
<p class="meta">${escapeHtml(`时区 Time zone: ${time.timezone} (${time.offset(data.start)}) · 生成于 Generated ${time.dateTime(data.generatedAt)}`)}</p>
${partial}${cards(data)}
<h2>${heading("OEE 设备综合效率", "Overall equipment effectiveness")}</h2>
${oee}${kpiTable(data, time)}
<h2>${heading("停机原因（帕累托）", "Downtime by reason (Pareto)")}</h2>
${pareto}
<h2>${heading("计数合计", "Count totals")}</h2>
${countsTable(data, time)}
<h2>${heading("事件", "Events")}</h2>
${eventsTable(data, time)}
<footer>${escapeHtml(`灯塔 Dengta · dengta.report.shift · ${data.date} ${periodName}`)}</footer>
</main>
</body>
</html>
`;
}
