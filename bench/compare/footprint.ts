/**
 * Footprint of the same job on both: the oee-line sample — twelve OPC UA signals of three machines
 * (state code, downtime code, good and scrap counters) → OEE per machine and shift (three shifts in
 * Asia/Shanghai) → a JSON-lines file of shift reports. Dengta runs the sample's bundle; Node-RED
 * runs a flow of its OPC UA client node subscribing the same twelve nodes, a function node doing
 * the same state mapping, counter deltas and shift OEE, and a file node.
 * - disk: the bundle folder against the Node-RED install with the nodes it needs (Node-RED itself
 *   and node-red-contrib-opcua; no database node, though the Dengta bundle also keeps history in
 *   SQLite) — Node itself not counted on either side;
 * - cold start: spawn → first OPC UA value handled by the flow, five times each;
 * - RSS, idle (simulator at speed 1) and under load (speed 600), and above a bare Node process
 *   measured at the same moments.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundle } from "../../core/bundle/build.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/index.ts";
import { sleep, spawnBare, spawnBundle, stopChild, vmRssMb, type StatusRecord } from "../bundle-process.ts";
import { median } from "../measure.ts";
import { compared, round, type Compared } from "./compared.ts";
import { namespaceIndex } from "./opcua-capture.ts";
import { opcuaSubscribeNodes } from "./node-red/opcua-subscribe-nodes.ts";
import { startNodeRed, type NodeRedInstall } from "./node-red/node-red.ts";

const SAMPLE = join(import.meta.dirname, "..", "..", "samples", "oee-line");
const MACHINES = ["M1", "M2", "M3"] as const;
const SIGNALS = ["StateCode", "DowntimeCode", "GoodCount", "ScrapCount"] as const;
const COLD_RUNS = 5;
const LOAD_SPEED = 600;
/** After every signal has delivered: let the process settle, then sample its memory this often. */
const SETTLE_MS = 10_000;
const RSS_SAMPLES = 10;
const RSS_EVERY_MS = 500;
const FIRST_VALUE_TIMEOUT_MS = 60_000;
const MB = 1024 * 1024;

export async function footprint(install: NodeRedInstall): Promise<Compared[]> {
  const work = mkdtempSync(join(tmpdir(), "dengta-compare-footprint-"));
  try {
    const bundleDir = await buildOeeLine(work);
    const disk = compared({
      name: "footprint: oee-line on disk (bundle / Node-RED install with node-red-contrib-opcua)", unit: "MB", better: "lower",
      dengta: round(diskBytes(bundleDir) / MB, 2), node_red: round(install.diskBytes() / MB, 1), target: "≤ 1/10 of Node-RED",
    });
    disk.met = (disk.ratio_vs_node_red ?? 0) >= 10;
    const idle = await withSimulator(work, 1, async (sim) => {
      const flow = oeeLineFlow(sim.endpointUrl, await namespaceIndex(sim, work));
      return { cold: await coldStarts(install, bundleDir, flow, sim, work), memory: await memory(install, bundleDir, flow, sim, work) };
    });
    const load = await withSimulator(work, LOAD_SPEED, async (sim) => memory(install, bundleDir, oeeLineFlow(sim.endpointUrl, await namespaceIndex(sim, work)), sim, work));
    return [disk, idle.cold, ...memoryRows("idle, speed 1", idle.memory), ...memoryRows(`load, speed ${LOAD_SPEED}`, load)];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function buildOeeLine(work: string): Promise<string> {
  const outDir = join(work, "oee-line-bundle");
  const result = await buildBundle({
    app: { file: join(SAMPLE, "oee-line.iapp.yaml") }, binding: { file: join(SAMPLE, "simulator.binding.yaml") }, outDir, target: "linux-x64",
  });
  if (!result.bundle) throw new Error(`oee-line does not build / oee-line 无法编译: ${result.diagnostics.map((d) => d.message.en).join("; ")}`);
  return outDir;
}

function diskBytes(dir: string): number {
  const du = spawnSync("du", ["-sb", dir], { encoding: "utf8" });
  if (du.status !== 0) throw new Error(`du ${dir} failed / du 失败: ${du.stderr}`);
  return Number(du.stdout.split("\t")[0]);
}

async function withSimulator<T>(work: string, speed: number, use: (sim: RunningSimulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ port: 0, speed, pkiDir: mkdtempSync(join(work, "sim-pki-")) });
  try {
    return await use(sim);
  } finally {
    await sim.stop();
  }
}

// --- cold start ------------------------------------------------------------------------------------

async function coldStarts(install: NodeRedInstall, bundleDir: string, flow: object[], sim: RunningSimulator, work: string): Promise<Compared> {
  const dengta: number[] = [];
  const nodeRed: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    dengta.push(await dengtaFirstValue(bundleDir, sim, work));
    nodeRed.push(await nodeRedFirstValue(install, flow));
  }
  return compared({
    name: "footprint: oee-line cold start → first OPC UA value handled", unit: "ms", better: "lower",
    dengta: round(median(dengta), 0), node_red: round(median(nodeRed), 0), target: null,
    detail: { dengta_runs_ms: dengta.map((t) => round(t, 0)).join(", "), node_red_runs_ms: nodeRed.map((t) => round(t, 0)).join(", ") },
  });
}

async function dengtaFirstValue(bundleDir: string, sim: RunningSimulator, work: string): Promise<number> {
  const bundle = spawnBundle(bundleDir, sim.endpointUrl, mkdtempSync(join(work, "cold-")));
  try {
    const first = await bundle.waitStatus("a subscribe node's first value / 订阅节点的第一个值", (s) => subscribeOut(s) > 0, FIRST_VALUE_TIMEOUT_MS);
    return first.at - bundle.spawnedAt;
  } finally {
    await bundle.stop();
  }
}

async function nodeRedFirstValue(install: NodeRedInstall, flow: object[]): Promise<number> {
  const started = performance.now();
  const nodeRed = await startNodeRed(install, { flows: flow });
  try {
    await nodeRed.waitForLine(/oee first value/, FIRST_VALUE_TIMEOUT_MS);
    return performance.now() - started;
  } finally {
    await nodeRed.stop();
  }
}

// --- memory ------------------------------------------------------------------------------------------

interface Memory {
  dengta: number;
  nodeRed: number;
  bareWithDengta: number;
  bareWithNodeRed: number;
}

/** Each system on its own, a bare Node process beside it; medians of the samples after settling. */
async function memory(install: NodeRedInstall, bundleDir: string, flow: object[], sim: RunningSimulator, work: string): Promise<Memory> {
  const dengta = await withBare(async (bareRss) => {
    const bundle = spawnBundle(bundleDir, sim.endpointUrl, mkdtempSync(join(work, "rss-")));
    try {
      await bundle.waitStatus("values from all twelve signals / 全部十二个信号的值", (s) => allSubscribed(s), FIRST_VALUE_TIMEOUT_MS);
      return await settledRss(() => vmRssMb(bundle.child.pid!), bareRss);
    } finally {
      await bundle.stop();
    }
  });
  const nodeRed = await withBare(async (bareRss) => {
    const running = await startNodeRed(install, { flows: flow });
    try {
      await running.waitForLine(/oee all signals/, FIRST_VALUE_TIMEOUT_MS);
      return await settledRss(() => running.rssMb(), bareRss);
    } finally {
      await running.stop();
    }
  });
  return { dengta: dengta.rss, nodeRed: nodeRed.rss, bareWithDengta: dengta.bare, bareWithNodeRed: nodeRed.bare };
}

async function withBare<T>(use: (bareRss: () => number) => Promise<T>): Promise<T> {
  const bare = await spawnBare();
  try {
    return await use(() => vmRssMb(bare.pid!));
  } finally {
    await stopChild(bare);
  }
}

async function settledRss(rss: () => number, bareRss: () => number): Promise<{ rss: number; bare: number }> {
  await sleep(SETTLE_MS);
  const samples: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RSS_SAMPLES; i++) {
    samples.push(rss());
    bare.push(bareRss());
    await sleep(RSS_EVERY_MS);
  }
  return { rss: median(samples), bare: median(bare) };
}

function memoryRows(label: string, m: Memory): Compared[] {
  const aboveDengta = m.dengta - m.bareWithDengta;
  const aboveNodeRed = m.nodeRed - m.bareWithNodeRed;
  const above = compared({
    name: `footprint: oee-line RSS above a bare Node process, ${label}`, unit: "MB", better: "lower",
    dengta: round(aboveDengta, 1), node_red: round(aboveNodeRed, 1), target: "≤ 0.6× Node-RED (goal ½)",
    detail: { bare_rss_mb_beside_dengta: round(m.bareWithDengta, 1), bare_rss_mb_beside_node_red: round(m.bareWithNodeRed, 1) },
  });
  above.met = aboveDengta <= 0.6 * aboveNodeRed;
  return [
    compared({ name: `footprint: oee-line RSS, ${label}`, unit: "MB", better: "lower", dengta: round(m.dengta, 1), node_red: round(m.nodeRed, 1), target: null }),
    above,
  ];
}

// --- status of the bundle ------------------------------------------------------------------------------

function subscribeOut(status: StatusRecord): number {
  return Object.entries(status.stats).filter(([id]) => isSignalNode(id)).reduce((sum, [, s]) => sum + s.out, 0);
}

function allSubscribed(status: StatusRecord): boolean {
  const signals = Object.entries(status.stats).filter(([id]) => isSignalNode(id));
  return signals.length === MACHINES.length * SIGNALS.length && signals.every(([, s]) => s.out > 0);
}

/** The oee-line sample's subscribe nodes are named after their signals, e.g. m1StateCode. */
function isSignalNode(id: string): boolean {
  return /^m\d(StateCode|DowntimeCode|Good|Scrap)$/.test(id);
}

// --- the Node-RED flow ----------------------------------------------------------------------------------

/**
 * inject (once) → OpcUa-Client (subscribe to the twelve nodes, 50 ms as Dengta's default
 * publishing interval) → function "oee" → file node (one JSON line per machine and shift).
 */
export function oeeLineFlow(endpointUrl: string, ns: number): object[] {
  const items = MACHINES.flatMap((m) => SIGNALS.map((s) => ({ nodeId: `ns=${ns};s=${m}.${s}`, datatype: s === "DowntimeCode" ? "String" : s === "StateCode" ? "Int32" : "UInt32" })));
  return [
    { id: "oee-tab", type: "tab", label: "oee-line", disabled: false, info: "" },
    ...opcuaSubscribeNodes("oee", "oee-tab", endpointUrl, items, 50, "oee-function"),
    {
      id: "oee-function", type: "function", z: "oee-tab", name: "oee", outputs: 1, timeout: 0, noerr: 0, libs: [],
      initialize: "", func: OEE_FUNCTION, finalize: "", x: 480, y: 80, wires: [["oee-file"]],
    },
    {
      id: "oee-file", type: "file", z: "oee-tab", name: "shift reports", filename: "oee-shifts.jsonl", filenameType: "str",
      appendNewline: true, createDir: true, overwriteFile: "false", encoding: "utf8", x: 660, y: 80, wires: [[]],
    },
  ];
}

/**
 * What the oee-line APP's machine-state, counter-delta and OEE blocks do, as one function node:
 * per machine, time in each state and good/scrap deltas, and at each shift's end (00:00, 08:00,
 * 16:00 in UTC+8) availability × performance × quality. Times are the values' source timestamps.
 */
const OEE_FUNCTION = `
const SHIFT_MS = 8 * 3600 * 1000, OFFSET_MS = 8 * 3600 * 1000;
const STATES = { 1: "running", 2: "idle", 3: "setup", 4: "down" };
const IDEAL_S = { M1: 12, M2: 15, M3: 20 };
const id = String(msg.topic || "").replace(/^.*s=/, "");
const [machine, signal] = id.split(".");
const value = msg.payload && msg.payload.value !== undefined ? msg.payload.value.value : msg.payload;
const ts = new Date((msg.payload && msg.payload.sourceTimestamp) || Date.now()).getTime();
const seen = context.get("seen") || {};
if (Object.keys(seen).length === 0) node.log("oee first value");
if (!seen[id]) { seen[id] = true; context.set("seen", seen); if (Object.keys(seen).length === 12) node.log("oee all signals"); }
const machines = context.get("machines") || {};
const m = machines[machine] || (machines[machine] = { state: "idle", since: ts, shift: Math.floor((ts + OFFSET_MS) / SHIFT_MS), ms: {}, good: 0, scrap: 0, last: {} });
context.set("machines", machines);
const out = [];
const shift = Math.floor((ts + OFFSET_MS) / SHIFT_MS);
if (shift > m.shift) {
  const end = m.shift * SHIFT_MS + SHIFT_MS - OFFSET_MS;
  m.ms[m.state] = (m.ms[m.state] || 0) + Math.max(0, end - m.since);
  m.since = end;
  const planned = Object.entries(m.ms).filter(([s]) => s !== "setup").reduce((a, [, v]) => a + v, 0);
  const running = m.ms.running || 0;
  const total = m.good + m.scrap;
  const a = planned > 0 ? running / planned : 0, p = running > 0 ? Math.min(1, total * IDEAL_S[machine] * 1000 / running) : 0, q = total > 0 ? m.good / total : 0;
  out.push({ payload: JSON.stringify({ machine, shiftStart: end - SHIFT_MS, end, availability: a, performance: p, quality: q, oee: a * p * q, good: m.good, scrap: m.scrap }) });
  m.ms = {}; m.good = 0; m.scrap = 0; m.shift = shift;
}
if (signal === "StateCode") {
  m.ms[m.state] = (m.ms[m.state] || 0) + Math.max(0, ts - m.since);
  m.since = ts;
  m.state = STATES[value] || "unknown";
} else if (signal === "GoodCount" || signal === "ScrapCount") {
  const before = m.last[signal];
  m.last[signal] = value;
  const delta = before === undefined ? 0 : value >= before ? value - before : value;
  if (signal === "GoodCount") m.good += delta; else m.scrap += delta;
}
return out.length > 0 ? [out] : null;
`;
