/**
 * Rendering time of the shift report (`dengta.report.shift`): HTML with two ECharts SVG charts,
 * CSV and XLSX, from the shift's end until the three files are on disk and `report` is sent.
 *
 * The input is one early shift (08:00–16:00 Asia/Shanghai, a 30 min break) of a line, as its
 * APP would send it, generated from a seeded PRNG:
 * - per machine, the shift report of `dengta.kpi.oee` (sent at the shift's end), with 3–6
 *   downtime reasons out of a pool of 14, so the Pareto chart has more than its 10 bars;
 * - per machine, the good-part increments of a counter polled each minute (480 messages) and the
 *   scrap increments when the scrap counter changes, each counter its own source node;
 * - alarm events as `dengta.quality.alarm` sends them (raised, acknowledged by someone, cleared).
 * A line of 3 machines gives about 1,500 raw rows and 12 events; a line of 20 machines 200 events
 * and more than 10,000 messages, so the raw-rows sheet is full (maxRows = 10,000).
 *
 * - **End to end** (cold and warm): the block in the real engine on virtual time (test/harness.ts,
 *   as the block's tests run it), in a temp data folder per run. Everything is sent untimed; the
 *   timer at the shift's end + grace is then fired, and the time runs until the `report` message
 *   has arrived (the XLSX is packed asynchronously, so that is when all three files are on disk).
 * - **Cold**: the same for the first report of a fresh Node process (this file run again as a
 *   child), which includes loading ECharts and exceljs; and, in another fresh process, the
 *   loading of the two modules alone. One run each.
 * - **Parts**: the block's exported renderers `reportHtml`, `reportCsv` and `reportXlsx` on the
 *   same ReportData the block would build (nothing written to disk), to show which part dominates.
 *
 * Run through `npm run bench`, never as a test.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineBlock, type SiteCalendar } from "../runtime/block.ts";
import { Prng } from "../simulator/model/prng.ts";
import { runInHarness, type HarnessNode, type HarnessRun } from "../test/harness.ts";
import report from "../blocks/report/runtime.ts";
import { eventRowOf, kpiFigures, oeeReportIn, type CountTally, type OeeReport, type ReportData } from "../blocks/report/figures.ts";
import { siteTime } from "../blocks/report/site-time.ts";
import { median, percentile, round, rssMb, type Workload } from "./measure.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const GRACE_MS = 5_000;
const MAX_ROWS = 10_000;
const MAX_EVENTS = 200;
const TARGET_MS = 1_000;
const COLD_ENV = "DENGTA_BENCH_REPORT_COLD";

const CALENDAR: SiteCalendar = {
  timezone: "Asia/Shanghai",
  shifts: [
    { name: "夜班", start: "00:00", end: "08:00" },
    { name: "早班", start: "08:00", end: "16:00", breaks: [["12:00", "12:30"]] },
    { name: "中班", start: "16:00", end: "24:00" },
  ],
};
/** 2026-03-02 08:00 in Shanghai: the early shift. */
const SHIFT_START = Date.UTC(2026, 2, 2, 0);
const SHIFT_END = SHIFT_START + 8 * HOUR;
const BREAK_FROM = SHIFT_START + 4 * HOUR;
const BREAK_TO = BREAK_FROM + 30 * MIN;
const PLANNED_BUSY_S = 450 * 60;

const REASONS: Array<{ state: string; reason: string; meanS: number }> = [
  { state: "down", reason: "E101 换刀 Tool change", meanS: 900 },
  { state: "down", reason: "E205 缺料 No material", meanS: 1_500 },
  { state: "down", reason: "E310 主轴过热 Spindle hot", meanS: 1_200 },
  { state: "down", reason: "E412 夹具故障 Fixture fault", meanS: 700 },
  { state: "down", reason: "E518 数控报警 NC alarm", meanS: 500 },
  { state: "down", reason: "E620 冷却液低 Coolant low", meanS: 400 },
  { state: "down", reason: "E733 气压低 Low air pressure", meanS: 300 },
  { state: "down", reason: "E840 安全门打开 Door open", meanS: 200 },
  { state: "down", reason: "E902 润滑 Lubrication", meanS: 250 },
  { state: "down", reason: "", meanS: 350 },
  { state: "idle", reason: "M03 等叉车 Waiting for forklift", meanS: 600 },
  { state: "idle", reason: "Q01 首件检验 First-article check", meanS: 800 },
  { state: "idle", reason: "", meanS: 500 },
  { state: "unknown", reason: "", meanS: 120 },
];
const ALARMS = [
  { name: "主轴过热 Spindle hot", severity: "high", message: { en: "Spindle above 80 °C", "zh-CN": "主轴温度超过 80 °C" } },
  { name: "冷却液低 Coolant low", severity: "medium", message: { en: "Coolant level below 20 %", "zh-CN": "冷却液液位低于 20 %" } },
  { name: "安全门 Door open", severity: "low", message: { en: "Door opened while running", "zh-CN": "运行中安全门被打开" } },
];
const OPERATORS = ["张伟", "李娜", "王强", "Chen Jie"];

interface Line {
  machines: number;
  events: number;
}
const SMALL: Line = { machines: 3, events: 12 };
const LARGE: Line = { machines: 20, events: 200 };

interface Send {
  target: string;
  value: unknown;
  ts: number;
}

/** What a line sends during the shift (in time order), and its OEE reports sent at the shift's end. */
interface Shift {
  line: Line;
  nodes: string[];
  during: Send[];
  oee: Send[];
  labels: Record<string, { en: string; "zh-CN": string }>;
  countMessages: number;
}

const machineId = (m: number) => `m${String(m + 1).padStart(2, "0")}`;
const machineName = (m: number) => `M${String(m + 1).padStart(2, "0")} ${m % 2 === 0 ? "加工中心" : "车床"}`;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

function generateShift(line: Line, seed: number): Shift {
  const prng = new Prng(seed);
  const random = () => prng.next();
  const during: Send[] = [];
  const oee: Send[] = [];
  const nodes: string[] = [];
  const labels: Shift["labels"] = {};
  let countMessages = 0;
  for (let m = 0; m < line.machines; m++) {
    const id = machineId(m);
    nodes.push(`${id}Oee`, `${id}Good`, `${id}Scrap`, `${id}Alarm`);
    labels[`${id}Good`] = { en: `${machineName(m)} good parts`, "zh-CN": `${machineName(m)} 良品` };
    labels[`${id}Scrap`] = { en: `${machineName(m)} scrap`, "zh-CN": `${machineName(m)} 废品` };

    // Downtime by reason, longest first, as the OEE block reports it.
    const pool = [...REASONS].sort(() => random() - 0.5).slice(0, 3 + Math.floor(random() * 4));
    const downtimeReasons = pool
      .map((r) => ({ state: r.state, reason: r.reason, seconds: Math.round(r.meanS * (0.3 + 1.4 * random())), stops: 1 + Math.floor(random() * 6) }))
      .sort((a, b) => b.seconds - a.seconds);
    const downtimeS = downtimeReasons.reduce((a, r) => a + r.seconds, 0);
    const actualProductionTimeS = PLANNED_BUSY_S - downtimeS;
    const idealCycleTimeS = [12, 15, 20, 24, 30, 40][m % 6]!;
    const performanceRaw = 0.78 + 0.19 * random();
    const total = Math.floor((performanceRaw * actualProductionTimeS) / idealCycleTimeS);
    const scrap = Math.round(total * (0.005 + 0.03 * random()));
    const good = total - scrap;
    const availability = round4(actualProductionTimeS / PLANNED_BUSY_S);
    const performance = round4((idealCycleTimeS * total) / actualProductionTimeS);
    const quality = round4(good / total);
    oee.push({
      target: `${id}Oee.in`,
      ts: SHIFT_END,
      value: {
        machine: machineName(m), shift: "早班", start: SHIFT_START, end: SHIFT_END, partial: false,
        plannedBusyTimeS: PLANNED_BUSY_S, actualProductionTimeS, downtimeS, good, scrap, total,
        availability, performance, quality, oee: round4(availability * performance * quality), downtimeReasons,
      },
    });

    // Good parts: a counter polled each minute through counter-delta, 0 in the break.
    let left = good;
    for (let k = 0; k < 480; k++) {
      const ts = SHIFT_START + (k + 1) * MIN - 1 - Math.floor(random() * 900);
      const inBreak = ts >= BREAK_FROM && ts < BREAK_TO;
      const made = inBreak || k === 479 ? (k === 479 ? left : 0) : Math.min(left, Math.round((good / 450) * (0.6 + 0.8 * random())));
      left -= made;
      during.push({ target: `${id}Good.in`, value: made, ts });
    }
    // Scrap: only when the counter changes (change-only before counter-delta).
    for (let k = 0; k < scrap; k++) during.push({ target: `${id}Scrap.in`, value: 1, ts: SHIFT_START + Math.floor(random() * 8 * HOUR) });
    countMessages += 480 + scrap;
  }

  // Alarms: raised, acknowledged by an operator, cleared; spread over the line's machines.
  for (let e = 0; e < line.events; ) {
    const m = Math.floor(random() * line.machines);
    const alarm = ALARMS[Math.floor(random() * ALARMS.length)]!;
    let ts = SHIFT_START + Math.floor(random() * 7.5 * HOUR);
    const by = OPERATORS[Math.floor(random() * OPERATORS.length)]!;
    const steps = [
      { transition: "raised", state: "unacknowledged", active: true, acknowledged: false },
      { transition: "acknowledged", state: "acknowledged", active: true, acknowledged: true, by },
      { transition: "cleared", state: "normal", active: false, acknowledged: true },
    ];
    for (const step of steps) {
      if (e++ >= line.events) break;
      during.push({ target: `${machineId(m)}Alarm.in`, ts, value: { alarm: alarm.name, severity: alarm.severity, message: alarm.message, ...step } });
      ts += Math.floor(random() * 20 * MIN);
    }
  }
  during.sort((a, b) => a.ts - b.ts);
  return { line, nodes, during, oee, labels, countMessages };
}

// --- end to end, in the engine ----------------------------------------------------------------

const passOn = defineBlock({
  onMessage(_port, msg, ctx) {
    ctx.emit("out", msg.value, { ts: msg.ts, quality: msg.quality });
  },
});

interface Written {
  files: { html: string; csv: string; xlsx: string };
  totals: { machines: number; events: number; counts: Record<string, { messages: number }> };
}

interface EndToEnd {
  ms: number;
  htmlKb: number;
  csvKb: number;
  xlsxKb: number;
  /** Resident set size of the process that measured, after the run (MB). */
  rssMb?: number;
}

/** One report: the shift sent untimed, then timed from firing the shift's end to the `report` message. */
async function reportOnce(shift: Shift, dataDir: string): Promise<EndToEnd> {
  mkdirSync(dataDir, { recursive: true });
  const nodes: Record<string, HarnessNode> = {
    report: { block: report, config: { title: { en: "Line 2 shift report", "zh-CN": "二号线班次报表" }, site: { en: "Line 2", "zh-CN": "二号线" }, labels: shift.labels }, outputs: ["report"] },
  };
  const edges: string[] = [];
  for (const id of shift.nodes) {
    nodes[id] = { block: passOn, outputs: ["out"] };
    const port = id.endsWith("Oee") ? "oee" : id.endsWith("Alarm") ? "events" : "counts";
    edges.push(`${id}.out -> report.${port}`);
  }
  const run = await runInHarness({
    nodes, edges, capture: ["report.report"], inject: shift.nodes.map((id) => `${id}.in`),
    startMs: SHIFT_START, dataDir, site: { endpoints: {}, cameras: {}, secret: () => undefined, calendar: CALENDAR },
  });
  try {
    // In batches, as they would arrive over the shift: the engine's queues hold 1,000 messages.
    for (let i = 0; i < shift.during.length; i += 500) {
      for (const s of shift.during.slice(i, i + 500)) run.send(s.target, s.value, s.ts);
      await run.engine.settled();
    }
    await run.runUntil(SHIFT_END);
    for (const s of shift.oee) run.send(s.target, s.value, s.ts);
    await run.engine.settled();

    const started = performance.now();
    await run.runUntil(SHIFT_END + GRACE_MS);
    const written = await reportMessage(run);
    const ms = performance.now() - started;

    check(shift, run, written);
    const kb = (path: string) => round(statSync(path).size / 1024, 1);
    return { ms, htmlKb: kb(written.files.html), csvKb: kb(written.files.csv), xlsxKb: kb(written.files.xlsx) };
  } finally {
    await run.stop();
  }
}

/** Waits for the `report` message, looking again after each turn of the event loop. */
async function reportMessage(run: HarnessRun): Promise<Written> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const message = run.captured.get("report.report")?.[0];
    if (message !== undefined) return message.value as Written;
    const failed = run.logs.find((l) => l.level === "error");
    if (failed !== undefined) throw new Error(`report failed: ${failed.message}`);
    if (performance.now() > deadline) throw new Error("no report within 60 s");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function check(shift: Shift, run: HarnessRun, written: Written): void {
  const problems = run.logs.filter((l) => l.level === "error" || l.level === "warn");
  if (problems.length > 0) throw new Error(`report logged: ${problems.map((p) => p.message).join("; ")}`);
  const counted = Object.values(written.totals.counts).reduce((a, c) => a + c.messages, 0);
  if (written.totals.machines !== shift.line.machines || written.totals.events !== shift.line.events || counted !== shift.countMessages) {
    throw new Error(`report totals ${JSON.stringify(written.totals)} differ from what was sent`);
  }
  for (const path of Object.values(written.files)) if (!existsSync(path)) throw new Error(`${path} not written`);
}

async function measureEndToEnd(shift: Shift, work: string, warmup: number, runs: number): Promise<{ times: number[]; last: EndToEnd; rss: number }> {
  const times: number[] = [];
  let last: EndToEnd | undefined;
  for (let i = 0; i < warmup + runs; i++) {
    const dataDir = join(work, `run-${shift.line.machines}-${i}`);
    try {
      last = await reportOnce(shift, dataDir);
      if (i >= warmup) times.push(last.ms);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return { times, last: last!, rss: rssMb() };
}

// --- cold, in a fresh process -----------------------------------------------------------------

type ColdMode = "report" | "load";

/** Runs this module again in a fresh Node process, which measures once and prints the result. */
function coldChild(mode: ColdMode, work: string): Promise<EndToEnd> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, [COLD_ENV]: mode, DENGTA_BENCH_REPORT_DIR: work },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("COLD "));
      if (code !== 0 || line === undefined) reject(new Error(`cold ${mode} run failed (exit ${code}): ${err || out}`));
      else resolve(JSON.parse(line.slice(5)) as EndToEnd);
    });
  });
}

async function coldMain(mode: ColdMode): Promise<void> {
  let result: EndToEnd;
  if (mode === "load") {
    const started = performance.now();
    await Promise.all([import("../blocks/report/page.ts"), import("../blocks/report/tables.ts")]);
    result = { ms: performance.now() - started, htmlKb: 0, csvKb: 0, xlsxKb: 0 };
  } else {
    result = await reportOnce(generateShift(SMALL, 1), join(process.env.DENGTA_BENCH_REPORT_DIR ?? tmpdir(), "cold"));
  }
  console.log(`COLD ${JSON.stringify({ ...result, rssMb: rssMb() })}`);
}

// --- the parts, through the exported renderers ------------------------------------------------

/** The ReportData the block builds at the shift's end from what it collected (runtime.ts `write`). */
function reportData(shift: Shift): ReportData {
  const time = siteTime(CALENDAR.timezone);
  const oee = shift.oee.map((s) => oeeReportIn(s.value, s.ts) as OeeReport);
  const counts = new Map<string, CountTally>();
  const events: ReportData["events"] = [];
  const raw: ReportData["raw"] = [];
  let rawNotKept = 0;
  for (const s of [...shift.during, ...shift.oee]) {
    const source = s.target.slice(0, -".in".length);
    const port = source.endsWith("Oee") ? "oee" : source.endsWith("Alarm") ? "events" : "counts";
    if (port === "counts") {
      const tally = counts.get(source) ?? { source, label: `${shift.labels[source]!["zh-CN"]} / ${shift.labels[source]!.en}`, messages: 0, sum: 0, last: 0, lastTs: s.ts };
      tally.messages++;
      tally.sum += s.value as number;
      tally.last = s.value as number;
      tally.lastTs = s.ts;
      counts.set(source, tally);
    } else if (port === "events") {
      events.push(eventRowOf(s.value, s.ts, source, "good"));
    }
    if (raw.length < MAX_ROWS) raw.push({ ts: s.ts, port, source, quality: "good", value: s.value });
    else rawNotKept++;
  }
  return {
    title: { en: "Line 2 shift report", "zh-CN": "二号线班次报表" },
    site: { en: "Line 2", "zh-CN": "二号线" },
    period: "早班",
    date: time.date(SHIFT_START),
    start: SHIFT_START,
    end: SHIFT_END,
    partial: false,
    timezone: time.timezone,
    generatedAt: SHIFT_END + GRACE_MS,
    ...kpiFigures(oee),
    counts: [...counts.values()].sort((a, b) => a.source.localeCompare(b.source, "zh-CN", { numeric: true })),
    events: events.slice(0, MAX_EVENTS),
    eventsNotListed: Math.max(0, events.length - MAX_EVENTS),
    raw,
    rawNotKept,
  };
}

async function timeParts(data: ReportData, warmup: number, runs: number) {
  // Loaded as the block loads them, so a fresh process's first report still pays for it.
  const [{ reportHtml }, { reportCsv, reportXlsx }] = await Promise.all([import("../blocks/report/page.ts"), import("../blocks/report/tables.ts")]);
  const time = siteTime(CALENDAR.timezone);
  const html: number[] = [];
  const csv: number[] = [];
  const xlsx: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    let t = performance.now();
    reportHtml(data, time);
    const htmlMs = performance.now() - t;
    t = performance.now();
    reportCsv(data, time);
    const csvMs = performance.now() - t;
    t = performance.now();
    await reportXlsx(data, time);
    const xlsxMs = performance.now() - t;
    if (i < warmup) continue;
    html.push(htmlMs);
    csv.push(csvMs);
    xlsx.push(xlsxMs);
  }
  return { html, csv, xlsx, rss: rssMb() };
}

// --- the workloads ----------------------------------------------------------------------------

/** Figures kept in bench/results.json beside the common fields. */
interface ReportWorkload extends Workload {
  machines: number;
  events: number;
  raw_rows: number;
  html_kb?: number;
  csv_kb?: number;
  xlsx_kb?: number;
}

function workload(name: string, times: number[], rss: number, shift: Shift, target: number | null, files?: EndToEnd): ReportWorkload {
  const mid = round(median(times), 2);
  return {
    name, n: 1, blocks: 1, runs: times.length,
    median_ms: mid, p95_ms: round(percentile(times, 95), 2), per_block_ms: mid,
    target: target === null ? null : `median < ${target} ms`, met: target === null || mid < target, rss_mb: rss,
    machines: shift.line.machines, events: shift.line.events,
    raw_rows: Math.min(MAX_ROWS, shift.during.length + shift.oee.length),
    ...(files === undefined || files.htmlKb === 0 ? {} : { html_kb: files.htmlKb, csv_kb: files.csvKb, xlsx_kb: files.xlsxKb }),
  };
}

export async function run(): Promise<Workload[]> {
  const small = generateShift(SMALL, 1);
  const large = generateShift(LARGE, 2);
  const work = mkdtempSync(join(tmpdir(), "dengta-bench-report-"));
  try {
    // Fresh processes first, before anything here has loaded ECharts or exceljs.
    const coldReport = await coldChild("report", work);
    const coldLoad = await coldChild("load", work);
    const warmSmall = await measureEndToEnd(small, work, 3, 30);
    const warmLarge = await measureEndToEnd(large, work, 2, 20);
    const partsSmall = await timeParts(reportData(small), 3, 30);
    const partsLarge = await timeParts(reportData(large), 2, 20);
    const line = (s: Shift) => `${s.line.machines} machines, ${s.line.events} events, ${Math.min(MAX_ROWS, s.during.length + s.oee.length).toLocaleString("en-US")} raw rows`;
    return [
      workload(`report cold: first report of a fresh process (${line(small)}; loads ECharts + exceljs)`, [coldReport.ms], coldReport.rssMb!, small, null, coldReport),
      workload("report cold: loading ECharts + exceljs (page.ts, tables.ts) alone", [coldLoad.ms], coldLoad.rssMb!, small, null),
      workload(`report warm: shift end → 3 files on disk → \`report\` (${line(small)})`, warmSmall.times, warmSmall.rss, small, TARGET_MS, warmSmall.last),
      workload(`report warm: shift end → 3 files on disk → \`report\` (${line(large)})`, warmLarge.times, warmLarge.rss, large, null, warmLarge.last),
      workload(`report part: HTML with 2 ECharts SVG charts, ${small.line.machines} machines`, partsSmall.html, partsSmall.rss, small, null),
      workload(`report part: XLSX in memory (exceljs), ${small.line.machines} machines`, partsSmall.xlsx, partsSmall.rss, small, null),
      workload(`report part: HTML with 2 ECharts SVG charts, ${large.line.machines} machines`, partsLarge.html, partsLarge.rss, large, null),
      workload(`report part: XLSX in memory (exceljs), ${large.line.machines} machines, full raw-rows sheet`, partsLarge.xlsx, partsLarge.rss, large, null),
      workload(`report part: CSV, ${large.line.machines} machines`, partsLarge.csv, partsLarge.rss, large, null),
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const coldMode = process.env[COLD_ENV];
if (coldMode === "report" || coldMode === "load") await coldMain(coldMode);
