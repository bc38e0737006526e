/**
 * OPC UA capture: the built-in simulator changes N variables (`s=Bench.V0…`) every 10 ms of wall
 * time, each change stamped with the wall-clock time it was made; a Dengta bundle and a Node-RED
 * flow with node-red-contrib-opcua each subscribe to all N, for N = 10, 100, 1,000.
 *
 * Each side runs alone against a fresh simulator in this process, subscribes at 10 ms publishing
 * and 10 ms sampling (the contrib node uses one interval for both), and computes every
 * notification's latency itself — its own wall clock on arrival minus the source timestamp:
 * - Dengta: one `dengta.opcua.subscribe` per variable → one `dengta.flow.map` (`$millis() - $ts`,
 *   on the bundle's wall clock) → one `dengta.store.file` (jsonl). Delivered counts come from the
 *   bundle's own status reports (`--status-every`), latencies from the file, read after the run.
 * - Node-RED: one `OpcUa-Client` in subscribe mode, given all N items at once (topic "multiple")
 *   → one `function` that counts and keeps a 1 ms latency histogram, logged every second.
 * Both: after the first value, a warm-up, then a measured window between two of the side's own
 * reports: notifications/s, p99 latency of the notifications that arrived in it, CPU % of the
 * process over it (/proc utime + stime ÷ wall time), and VmRSS at its end.
 */
import { spawn, spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { buildBundle } from "../../core/bundle/build.ts";
import { benchVariableNode, NAMESPACE_URI, startSimulator, type RunningSimulator } from "../../simulator/index.ts";
import { withSimulatorSession } from "../simulator-session.ts";
import { stopAllChildren, stopChild, tracked, vmRssMb, within, type StatusRecord } from "../bundle-process.ts";
import { compared, round, type Compared } from "./compared.ts";
import { opcuaSubscribeNodes } from "./node-red/opcua-subscribe-nodes.ts";
import { startNodeRed, type NodeRedInstall } from "./node-red/node-red.ts";

const COUNTS = [10, 100, 1000] as const;
const INTERVAL_MS = 10;
const WARMUP_MS = 3_000;
const WINDOW_MS = 10_000;
/** Both sides report once a second; the window runs from one report to the first ≥ WINDOW_MS later. */
const REPORT_EVERY_MS = 1_000;
const FIRST_VALUE_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 15_000;
/** The contrib node's subscription takes one interval for publishing and sampling; Dengta is given the same. */
const SAMPLING_MS = INTERVAL_MS;
const DENGTA_QUEUE = 10;
/** Messages that may wait for the map and the file sink: a whole publish of 1,000 items must not be dropped. */
const DENGTA_NODE_QUEUE = 100_000;
const LATENCY_FILE = "latency.jsonl";
const CAPTURE_LINE = /capture (\{.*\})\s*$/;

interface Report {
  /** Wall-clock time of the report, on the measured process's own clock. */
  at: number;
  /** Notifications that reached the latency-measuring node so far. */
  delivered: number;
  /** Node-RED only: latency histogram so far, whole ms → count. */
  histogram?: Record<string, number>;
}

interface Measured {
  process: { cpuMs(): number; rssMb(): number };
  reports: Report[];
  /** Why the side stopped reporting, once it has. */
  failure(): string | undefined;
}

interface Window {
  start: Report;
  end: Report;
  cpuPercent: number;
  rssMb: number;
  /** Changes the simulator made a second over the window, all variables together. */
  madePerS: number;
  /** CPU % of this process, which serves the simulator, over the window. */
  simulatorCpuPercent: number;
}

interface Capture {
  notificationsPerS: number;
  latency: Latency;
  cpuPercent: number;
  rssMb: number;
  madePerS: number;
  simulatorCpuPercent: number;
  extra: Record<string, number | string>;
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

type Outcome = { capture: Capture } | { failed: string };

export async function opcuaCapture(install: NodeRedInstall): Promise<Compared[]> {
  const work = mkdtempSync(join(tmpdir(), "dengta-compare-opcua-"));
  try {
    const rows: Compared[] = [];
    for (const count of COUNTS) {
      console.log(`OPC UA capture: N=${count}, Dengta / OPC UA 采集：N=${count}，灯塔`);
      const dengta = await attempt(() => dengtaCapture(work, count));
      console.log(`OPC UA capture: N=${count}, Node-RED ${install.nodeRedVersion} + node-red-contrib-opcua ${install.opcuaVersion} / OPC UA 采集：N=${count}，Node-RED`);
      const nodeRed = await attempt(() => withSimulator(work, count, (sim) => nodeRedCapture(install, sim, work, count)));
      rows.push(...rowsFor(count, dengta, nodeRed, install));
    }
    return rows;
  } finally {
    await stopAllChildren();
    rmSync(work, { recursive: true, force: true });
  }
}

/** A side that fails or hangs gives null figures and its reason, never a stuck bench. */
async function attempt(run: () => Promise<Capture>): Promise<Outcome> {
  try {
    return { capture: await run() };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.log(`  failed / 失败: ${reason.split("\n")[0]}`);
    return { failed: reason.slice(0, 500) };
  }
}

async function withSimulator<T>(work: string, count: number, use: (sim: RunningSimulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ port: 0, pkiDir: join(work, "sim-pki"), benchVariables: { count, intervalMs: INTERVAL_MS } });
  try {
    return await use(sim);
  } finally {
    await sim.stop();
  }
}

// --- the measured window, the same for both sides ------------------------------------------------

async function measureWindow(side: Measured, sim: RunningSimulator, count: number): Promise<Window> {
  const first = await nextReport(side, 0, (r) => r.delivered > 0, ["a first value", "第一个数值"], FIRST_VALUE_TIMEOUT_MS);
  const start = await nextReport(side, first.index, (r) => r.at >= first.report.at + WARMUP_MS, ["the end of the warm-up", "预热结束"], WARMUP_MS + REPORT_TIMEOUT_MS);
  const cpuBefore = side.process.cpuMs(), ticksBefore = sim.benchTicks(), wallBefore = performance.now(), ownBefore = process.cpuUsage();
  const end = await nextReport(side, start.index, (r) => r.at >= start.report.at + WINDOW_MS, ["the end of the window", "测量窗口结束"], WINDOW_MS + REPORT_TIMEOUT_MS);
  const cpuAfter = side.process.cpuMs(), ticksAfter = sim.benchTicks(), wallAfter = performance.now(), own = process.cpuUsage(ownBefore);
  return {
    start: start.report, end: end.report,
    cpuPercent: (100 * (cpuAfter - cpuBefore)) / (wallAfter - wallBefore),
    rssMb: side.process.rssMb(),
    madePerS: ((ticksAfter - ticksBefore) * count * 1000) / (wallAfter - wallBefore),
    simulatorCpuPercent: (0.1 * (own.user + own.system)) / (wallAfter - wallBefore),
  };
}

/** The first report after index `from` that passes `check`; polls the side's growing list of reports. */
async function nextReport(side: Measured, from: number, check: (r: Report) => boolean, [what, whatZh]: [string, string], timeoutMs: number): Promise<{ report: Report; index: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const index = side.reports.findIndex((r, i) => i >= from && check(r));
    if (index >= 0) return { report: side.reports[index]!, index: index + 1 };
    const failure = side.failure();
    if (failure) throw new Error(`stopped before ${what} / 在${whatZh}之前停止: ${failure}`);
    const last = JSON.stringify(side.reports.slice(-3).map(({ histogram: _, ...r }) => r));
    if (performance.now() > deadline) throw new Error(`no ${what} in ${timeoutMs} ms / ${timeoutMs} ms 内未等到${whatZh}; last reports / 最后的报告: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function rate(window: Window): number {
  return ((window.end.delivered - window.start.delivered) * 1000) / (window.end.at - window.start.at);
}

/** Nearest-rank percentiles of a histogram of whole milliseconds. */
function latencyOf(histogram: Map<number, number>): Latency {
  const bins = [...histogram.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const samples = bins.reduce((sum, [, n]) => sum + n, 0);
  if (samples === 0) throw new Error("no latency recorded in the window / 测量窗口内没有记录到延迟");
  const at = (p: number) => {
    const rank = Math.max(1, Math.ceil((p / 100) * samples));
    let seen = 0;
    for (const [ms, n] of bins) if ((seen += n) >= rank) return ms;
    return bins.at(-1)![0];
  };
  return { p50: at(50), p99: at(99), max: bins.at(-1)![0], samples };
}

// --- Dengta ----------------------------------------------------------------------------------------

/** Built before the simulator starts and read after it stops, so neither competes with the measured window. */
async function dengtaCapture(work: string, count: number): Promise<Capture> {
  const bundleDir = await buildCaptureBundle(work, count);
  const dataDir = mkdtempSync(join(work, "data-"));
  const run = await withSimulator(work, count, (sim) => runBundle(bundleDir, dataDir, sim, count));
  const latency = latencyOf(await latenciesArrivedIn(join(dataDir, "sink", LATENCY_FILE), run.window));
  return {
    notificationsPerS: rate(run.window), latency, cpuPercent: run.window.cpuPercent, rssMb: run.window.rssMb,
    madePerS: run.window.madePerS, simulatorCpuPercent: run.window.simulatorCpuPercent,
    extra: { dropped: Object.values(run.last?.stats ?? {}).reduce((sum, s) => sum + s.dropped, 0) },
  };
}

async function runBundle(bundleDir: string, dataDir: string, sim: RunningSimulator, count: number): Promise<{ window: Window; last: StatusRecord | undefined }> {
  const bundle = spawnCaptureBundle(bundleDir, sim.endpointUrl, dataDir);
  try {
    const window = await measureWindow(bundle.measured, sim, count);
    return { window, last: bundle.lastStatus() };
  } finally {
    // SIGTERM: the file sink writes what it still holds before the bundle exits.
    await bundle.stop();
  }
}

async function buildCaptureBundle(work: string, count: number): Promise<string> {
  const dir = mkdtempSync(join(work, `app-${count}-`));
  const app = join(dir, "capture.iapp.yaml"), binding = join(dir, "capture.binding.yaml");
  writeFileSync(app, captureApp(count));
  writeFileSync(binding, captureBinding(count));
  const outDir = join(dir, "bundle");
  const result = await buildBundle({ app: { file: app }, binding: { file: binding }, outDir, target: "linux-x64" });
  if (!result.bundle) throw new Error(`the capture APP does not build / 采集 APP 无法构建: ${result.diagnostics.map((d) => d.message.en).join("; ")}`);
  return outDir;
}

const signalOf = (index: number) => `v${index}`;
const indexes = (count: number) => Array.from({ length: count }, (_, i) => i);

function captureApp(count: number): string {
  const queue = `queue: { size: ${DENGTA_NODE_QUEUE}, overflow: drop-oldest }`;
  return [
    "dengta: 1",
    "app:",
    `  id: bench-opcua-capture-${count}`,
    "  version: 1.0.0",
    "  title: { en: OPC UA capture benchmark, zh-CN: OPC UA 采集基准测试 }",
    "signals:",
    ...indexes(count).map((i) => `  ${signalOf(i)}: { type: integer, direction: in, title: { en: Bench variable ${i}, zh-CN: 基准变量 ${i} } }`),
    "nodes:",
    ...indexes(count).map((i) => `  ${signalOf(i)}: { block: dengta.opcua.subscribe@1, config: { signal: ${signalOf(i)}, samplingMs: ${SAMPLING_MS}, queueSize: ${DENGTA_QUEUE} } }`),
    `  latency: { block: dengta.flow.map@1, config: { expression: "$millis() - $ts" }, ${queue} }`,
    `  sink: { block: dengta.store.file@1, config: { file: ${LATENCY_FILE}, flushEvery: 1000 }, ${queue} }`,
    "edges:",
    ...indexes(count).map((i) => `  - ${signalOf(i)}.out -> latency.in`),
    "  - latency.out -> sink.in",
  ].join("\n") + "\n";
}

function captureBinding(count: number): string {
  return [
    "dengta: 1",
    `app: bench-opcua-capture-${count}@^1`,
    "site: { en: Simulator, zh-CN: 仿真器 }",
    "endpoints:",
    `  sim: { simulator: true, publishingMs: ${INTERVAL_MS} }`,
    "signals:",
    ...indexes(count).map((i) => `  ${signalOf(i)}: { endpoint: sim, nodeId: "nsu=${NAMESPACE_URI};${benchVariableNode(i)}" }`),
  ].join("\n") + "\n";
}

/** `node main.js` on the wall clock (so `$millis()` is wall time), with a JSON status report a second. */
function spawnCaptureBundle(bundleDir: string, simulatorUrl: string, dataDir: string) {
  const args = [
    join(bundleDir, "main.js"), "--allow-unsigned", "--no-health", "--clock", "wall", "--json",
    "--status-every", String(REPORT_EVERY_MS), "--data", dataDir,
  ];
  const child = tracked(spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DENGTA_SIMULATOR_URL: simulatorUrl } }));
  const reports: Report[] = [];
  const tail: string[] = [];
  let last: StatusRecord | undefined;
  let exit: string | undefined;
  const keep = (line: string) => { tail.push(line); if (tail.length > 10) tail.shift(); };
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const status = statusOf(line);
    if (!status) return keep(line);
    last = status;
    reports.push({ at: Date.parse((status as StatusRecord & { ts: string }).ts), delivered: status.stats.latency?.out ?? 0 });
  });
  createInterface({ input: child.stderr! }).on("line", keep);
  child.on("exit", (code, signal) => { exit = `the bundle exited / 边缘包已退出 (${signal ?? code}):\n${tail.join("\n")}`; });
  return {
    measured: {
      process: { cpuMs: () => cpuMsOf(child.pid!), rssMb: () => vmRssMb(child.pid!) },
      reports, failure: () => exit,
    } satisfies Measured,
    lastStatus: () => last,
    stop: () => stopChild(child),
  };
}

function statusOf(line: string): StatusRecord | undefined {
  if (!line.startsWith("{\"level\":\"status\"")) return undefined;
  try {
    return JSON.parse(line) as StatusRecord;
  } catch {
    return undefined;
  }
}

/** Each line: ts = the change's source timestamp, value = latency on arrival at the map; kept if it arrived in the window. */
async function latenciesArrivedIn(file: string, window: Window): Promise<Map<number, number>> {
  if (!existsSync(file)) throw new Error(`the bundle wrote no ${file} / 边缘包未写出 ${file}`);
  const histogram = new Map<number, number>();
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (line === "") continue;
    const { ts, value } = JSON.parse(line) as { ts: string; value: number };
    const arrived = Date.parse(ts) + value;
    if (arrived < window.start.at || arrived >= window.end.at) continue;
    const ms = Math.max(0, Math.floor(value));
    histogram.set(ms, (histogram.get(ms) ?? 0) + 1);
  }
  return histogram;
}

let clockTicksPerSecond: number | undefined;

/** User plus system CPU time of a process, from /proc/<pid>/stat. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  clockTicksPerSecond ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
}

// --- Node-RED --------------------------------------------------------------------------------------

async function nodeRedCapture(install: NodeRedInstall, sim: RunningSimulator, work: string, count: number): Promise<Capture> {
  const ns = await namespaceIndex(sim, work);
  const nodeRed = await startNodeRed(install, { flows: captureFlow(sim.endpointUrl, ns, count) });
  let exited = false;
  const reports: Report[] = [];
  let read = 0;
  // Node-RED's log is a growing list of lines; the capture lines are picked out as they come.
  const pick = setInterval(() => {
    for (; read < nodeRed.lines.length; read++) {
      const match = CAPTURE_LINE.exec(nodeRed.lines[read]!);
      if (match) reports.push(JSON.parse(match[1]!) as Report);
    }
  }, 20);
  try {
    const measured: Measured = {
      process: { cpuMs: () => nodeRed.cpuMs(), rssMb: () => nodeRed.rssMb() },
      reports,
      failure: () => (exited ? `Node-RED exited / Node-RED 已退出:\n${nodeRed.lines.slice(-10).join("\n")}` : undefined),
    };
    const alive = setInterval(() => { exited = !existsSync(`/proc/${nodeRed.pid}`); }, 200);
    try {
      const window = await measureWindow(measured, sim, count);
      return {
        notificationsPerS: rate(window), latency: latencyOf(histogramBetween(window.start, window.end)),
        cpuPercent: window.cpuPercent, rssMb: window.rssMb, madePerS: window.madePerS, simulatorCpuPercent: window.simulatorCpuPercent, extra: {},
      };
    } finally {
      clearInterval(alive);
    }
  } finally {
    clearInterval(pick);
    await within(nodeRed.stop(), 30_000, () => "Node-RED did not stop in 30 s / Node-RED 未在 30 秒内停止");
  }
}

function histogramBetween(start: Report, end: Report): Map<number, number> {
  const histogram = new Map<number, number>();
  for (const [ms, n] of Object.entries(end.histogram ?? {})) histogram.set(Number(ms), n - (start.histogram?.[ms] ?? 0));
  return histogram;
}

/** node-red-contrib-opcua takes `ns=<index>;s=…` node ids; the index is the simulator's, read over OPC UA. */
export function namespaceIndex(sim: RunningSimulator, work: string): Promise<number> {
  return withSimulatorSession(sim.endpointUrl, work, async (_session, ns) => ns);
}

/** inject (once) → OpcUa-Client (subscribe to all N, 10 ms) → function "sink". */
function captureFlow(endpointUrl: string, ns: number, count: number): object[] {
  const items = indexes(count).map((i) => ({ nodeId: `ns=${ns};${benchVariableNode(i)}`, datatype: "UInt32" }));
  return [
    { id: "capture-tab", type: "tab", label: "OPC UA capture", disabled: false, info: "" },
    ...opcuaSubscribeNodes("capture", "capture-tab", endpointUrl, items, INTERVAL_MS, "capture-sink"),
    {
      id: "capture-sink", type: "function", z: "capture-tab", name: "sink", outputs: 0, timeout: 0, noerr: 0, libs: [],
      initialize: SINK_START, func: SINK_MESSAGE, finalize: "", x: 520, y: 80, wires: [],
    },
  ];
}

/** Counts and a histogram of whole-ms latencies, logged every second as `capture {json}`. */
const SINK_START = `
const capture = { delivered: 0, histogram: {} };
context.set("capture", capture);
setInterval(() => node.log("capture " + JSON.stringify({ at: Date.now(), delivered: capture.delivered, histogram: capture.histogram })), ${REPORT_EVERY_MS});
`;

/** The group's messages carry the whole DataValue as payload. */
const SINK_MESSAGE = `
const source = msg.payload && msg.payload.sourceTimestamp;
if (!source) return null;
const capture = context.get("capture");
const ms = Math.max(0, Math.floor(Date.now() - new Date(source).getTime()));
capture.histogram[ms] = (capture.histogram[ms] || 0) + 1;
capture.delivered++;
return null;
`;

// --- rows ------------------------------------------------------------------------------------------

function rowsFor(count: number, dengta: Outcome, nodeRed: Outcome, install: NodeRedInstall): Compared[] {
  const offered = (count * 1000) / INTERVAL_MS;
  const figure = (outcome: Outcome, pick: (c: Capture) => number, digits: number) => ("capture" in outcome ? round(pick(outcome.capture), digits) : null);
  const detail = {
    offered_changes_per_s: offered,
    interval_ms: INTERVAL_MS, warmup_ms: WARMUP_MS, window_ms: WINDOW_MS,
    setup: `each side alone on a fresh simulator in the bench process; publishing ${INTERVAL_MS} ms, sampling ${SAMPLING_MS} ms; `
      + `Dengta: ${count} subscribe blocks (queueSize ${DENGTA_QUEUE}) → map $millis()-$ts → file sink; `
      + `Node-RED: one OpcUa-Client given all items (topic "multiple": queueSize 1, maxNotificationsPerPublish 10, fixed by the node) → function sink`,
    node_red_version: install.nodeRedVersion, node_red_contrib_opcua_version: install.opcuaVersion,
    ...sideDetail("dengta", dengta),
    ...sideDetail("node_red", nodeRed),
  };
  const row = (what: string, unit: string, better: Compared["better"], pick: (c: Capture) => number, digits: number) => compared({
    name: `OPC UA capture N=${count.toLocaleString("en-US")}: ${what}`, unit, better,
    dengta: figure(dengta, pick, digits), node_red: figure(nodeRed, pick, digits), target: null, detail,
  });
  return [
    row("notifications/s", "notifications/s", "higher", (c) => c.notificationsPerS, 0),
    row("p99 latency", "ms", "lower", (c) => c.latency.p99, 0),
    row("CPU", "% CPU", "lower", (c) => c.cpuPercent, 1),
    row("RSS", "MB", "lower", (c) => c.rssMb, 1),
  ];
}

function sideDetail(side: string, outcome: Outcome): Record<string, number | string | null> {
  if ("failed" in outcome) return { [`${side}_failed`]: outcome.failed };
  const c = outcome.capture;
  return {
    [`${side}_made_changes_per_s`]: round(c.madePerS, 0), [`${side}_simulator_cpu_percent`]: round(c.simulatorCpuPercent, 1),
    [`${side}_p50_ms`]: c.latency.p50, [`${side}_max_ms`]: c.latency.max, [`${side}_latency_samples`]: c.latency.samples,
    ...Object.fromEntries(Object.entries(c.extra).map(([key, value]) => [`${side}_${key}`, value])),
  };
}
