/**
 * The runtime against the built-in OPC UA simulator, on wall time:
 *  (b) OPC UA change → block output latency: the real `dengta.opcua.subscribe` block in the real
 *      Engine (WallClock, a site with one endpoint) on `s=Bench.Counter`, which the simulator
 *      changes 1,000 times a second stamped with the wall-clock time of each change;
 *  (c) resident memory (VmRSS) of the line-capture bundle connected to the simulator, idle
 *      (speed 1) and under load (speed 600), beside a bare Node process measured in the same run;
 *  (d) cold start of that bundle: spawn → first status report in which a subscribe node has out > 0.
 * Run through `npm run bench` (or `npm run bench -- runtime`), never as a test.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttributeIds, TimestampsToReturn, type DataValue,
} from "node-opcua";
import { buildBundle } from "../core/bundle/build.ts";
import type { AnyBlockDefinition, BlockStore, Message, ResolvedSignal } from "../runtime/block.ts";
import { defineBlock } from "../runtime/block.ts";
import type { BundleApp } from "../runtime/bundle-app.ts";
import { WallClock } from "../runtime/clock.ts";
import { Engine } from "../runtime/engine.ts";
import subscribe from "../blocks/opcua-subscribe/runtime.ts";
import { BENCH_COUNTER_NODE, NAMESPACE_URI, startSimulator, type RunningSimulator } from "../simulator/index.ts";
import { sleep, spawnBare, spawnBundle, stopAllChildren, stopChild, vmRssMb, within, type StatusRecord } from "./bundle-process.ts";
import { median, percentile, round, type Workload } from "./measure.ts";
import { withSimulatorSession } from "./simulator-session.ts";

const root = join(import.meta.dirname, "..", "..");
const SAMPLE = join(root, "samples", "line-capture");

/** (b): the simulator's change rate, and how long to warm up and then record, on wall time. */
const RATE_HZ = 1000;
const WARMUP_MS = 2_000;
const RECORD_MS = 10_000;
const LATENCY_TARGET_MS = 10;
/** The simulator's lowered minimum sampling and publishing interval (simulator/server/opcua-server.ts FASTEST_MS). */
const FASTEST_MS = 5;

/** (c): status reports every 50 ms; after all 15 subscriptions deliver, settle this many reports, then read VmRSS. */
const STATUS_EVERY_MS = 50;
const SETTLE_REPORTS = 100;
/** VmRSS is read at each of the last reports of the settle period; the median is reported. */
const RSS_SAMPLES = 20;
const LOAD_SPEED = 600;

/** (d): timed cold starts with a new data folder each, and restarts on a kept one. */
const COLD_RUNS = 5;

export async function run(): Promise<Workload[]> {
  const work = mkdtempSync(join(tmpdir(), "dengta-bench-runtime-"));
  try {
    const latency = await latencyWorkloads(work);
    const bundleDir = await buildLineCapture(work);
    const idle = await withSimulator(work, 1, async (sim) => [
      ...(await memoryWorkloads(bundleDir, sim, work, "idle, speed 1")),
      ...(await coldStartWorkloads(bundleDir, sim, work)),
    ]);
    const load = await withSimulator(work, LOAD_SPEED, (sim) => memoryWorkloads(bundleDir, sim, work, `load, speed ${LOAD_SPEED}`));
    return [...latency, ...idle, ...load];
  } finally {
    await stopAllChildren();
    rmSync(work, { recursive: true, force: true });
  }
}

async function withSimulator<T>(work: string, speed: number, use: (sim: RunningSimulator) => Promise<T>, benchRateHz?: number): Promise<T> {
  const sim = await startSimulator({ port: 0, speed, pkiDir: join(work, "sim-pki"), ...(benchRateHz ? { benchRateHz } : {}) });
  try {
    return await use(sim);
  } finally {
    await sim.stop();
  }
}

// --- (b) change → block output latency ------------------------------------------------------

interface LatencyRun {
  latencies: number[];
  /** Counter changes the simulator made while recording, and notifications received. */
  changes: number;
  received: number;
}

async function latencyWorkloads(work: string): Promise<Workload[]> {
  return withSimulator(work, 1, async (sim) => {
    const exception = await blockLatency(sim, work, 0);
    const sampled = await blockLatency(sim, work, FASTEST_MS);
    const reference = await clientLatency(sim, work);
    return [
      latencyWorkload(`change → subscribe block output, samplingMs 0 (server: on change, ${FASTEST_MS} ms window), publishing ${FASTEST_MS} ms`, exception, true),
      latencyWorkload(`change → subscribe block output, samplingMs ${FASTEST_MS}, publishing ${FASTEST_MS} ms`, sampled, true),
      latencyWorkload(`reference, not the block: node-opcua client, sampling 0, publishing ${FASTEST_MS} ms`, reference, false),
    ];
  }, RATE_HZ);
}

/** The subscribe block in the real Engine on a WallClock; the sink notes Date.now() − the change's source timestamp. */
async function blockLatency(sim: RunningSimulator, work: string, samplingMs: number): Promise<LatencyRun> {
  const dataDir = mkdtempSync(join(work, "engine-"));
  const recorder = new Recorder();
  const sink = defineBlock({ onMessage: (_port, msg: Message) => recorder.note(msg.ts, msg.value as number) });
  const signals: Record<string, ResolvedSignal> = {
    counter: { name: "counter", type: "integer", direction: "in", binding: { endpoint: "sim", nodeId: `nsu=${NAMESPACE_URI};${BENCH_COUNTER_NODE}` } },
  };
  const blocks: Record<string, AnyBlockDefinition> = { "subscribe@1": subscribe as AnyBlockDefinition, "sink@1": sink };
  const problems: string[] = [];
  const engine = new Engine({
    nodes: [
      { id: "counter", block: "subscribe@1", config: { signal: "counter", samplingMs, queueSize: 1000 }, outputs: ["out"] },
      { id: "sink", block: "sink@1", config: {}, outputs: [] },
    ],
    edges: [{ from: { node: "counter", port: "out" }, to: { node: "sink", port: "in" } }],
    signals,
  }, blocks, {
    clock: new WallClock(),
    dataDir,
    log: (level, node, message) => {
      if (level !== "info") problems.push(`${node}: ${typeof message === "string" ? message : message.en}`);
    },
    openStore: (): BlockStore => {
      throw new Error("the bench blocks keep no store");
    },
    site: { endpoints: { sim: { url: sim.endpointUrl, publishingMs: FASTEST_MS } }, cameras: {}, secret: () => undefined },
  });
  await engine.start();
  try {
    return await recorder.record(() => problems);
  } finally {
    await engine.stop();
  }
}

/** What the block could reach with a shorter publishing interval: a plain node-opcua client at 5 ms. */
async function clientLatency(sim: RunningSimulator, work: string): Promise<LatencyRun> {
  const recorder = new Recorder();
  return withSimulatorSession(sim.endpointUrl, work, async (session, ns) => {
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: FASTEST_MS, requestedLifetimeCount: 6000, requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 10,
    });
    const item = await subscription.monitor({ nodeId: `ns=${ns};${BENCH_COUNTER_NODE}`, attributeId: AttributeIds.Value },
      { samplingInterval: 0, queueSize: 1000, discardOldest: true }, TimestampsToReturn.Both);
    item.on("changed", (dv: DataValue) => recorder.note(dv.sourceTimestamp!.getTime(), dv.value.value as number));
    const result = await recorder.record(() => []);
    await subscription.terminate();
    return result;
  });
}

/** Notes each value's latency on arrival; records after a warm-up that starts with the first value. */
class Recorder {
  private recording = false;
  private first: number | undefined;
  private last: number | undefined;
  private received = 0;
  private readonly latencies: number[] = [];
  private arrived!: () => void;
  private readonly firstValue = new Promise<void>((resolve) => (this.arrived = resolve));

  note(sourceTs: number, value: number): void {
    const now = Date.now();
    this.arrived();
    if (!this.recording) return;
    this.latencies.push(now - sourceTs);
    this.received++;
    this.first ??= value;
    this.last = value;
  }

  async record(problems: () => string[]): Promise<LatencyRun> {
    await within(this.firstValue, 30_000, () => `no value from ${BENCH_COUNTER_NODE} in 30 s: ${problems().join("; ")}`);
    await sleep(WARMUP_MS);
    this.recording = true;
    await sleep(RECORD_MS);
    this.recording = false;
    if (this.received === 0) throw new Error(`no value recorded: ${problems().join("; ")}`);
    if (problems().length > 0) throw new Error(`the engine reported problems: ${problems().join("; ")}`);
    return { latencies: this.latencies, changes: this.last! - this.first! + 1, received: this.received };
  }
}

/** Workload fields for a latency: median_ms is p50, p95_ms p95; p99 is in the target text and the results file. */
interface LatencyWorkload extends Workload {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  notifications: number;
  changes: number;
}

function latencyWorkload(name: string, run: LatencyRun, targeted: boolean): LatencyWorkload {
  const p50 = percentile(run.latencies, 50), p95 = percentile(run.latencies, 95), p99 = percentile(run.latencies, 99);
  const seen = `${run.received} notifications for ${run.changes} changes`;
  return {
    name: `${name} — p50 ${p50} ms, p99 ${p99} ms`, n: run.received, blocks: 1, runs: run.latencies.length,
    median_ms: p50, p95_ms: p95, per_block_ms: p50,
    target: targeted ? `p99 < ${LATENCY_TARGET_MS} ms: p99 = ${p99} ms (${seen})` : null,
    met: !targeted || p99 < LATENCY_TARGET_MS,
    p50_ms: p50, p99_ms: p99, max_ms: Math.max(...run.latencies), notifications: run.received, changes: run.changes,
  };
}

// --- the line-capture bundle ----------------------------------------------------------------

async function buildLineCapture(work: string): Promise<string> {
  const outDir = join(work, "line-capture-bundle");
  const result = await buildBundle({
    app: { file: join(SAMPLE, "line-capture.iapp.yaml") }, binding: { file: join(SAMPLE, "simulator.binding.yaml") },
    outDir, target: "linux-x64",
  });
  if (!result.bundle) throw new Error(`line-capture does not build: ${result.diagnostics.map((d) => d.message.en).join("; ")}`);
  return outDir;
}

function subscribeNodes(bundleDir: string): string[] {
  const app = JSON.parse(readFileSync(join(bundleDir, "app.json"), "utf8")) as BundleApp;
  const ids = app.nodes.filter((n) => n.block.startsWith("dengta.opcua.subscribe@")).map((n) => n.id);
  if (ids.length === 0) throw new Error("line-capture has no subscribe node");
  return ids;
}

const outOf = (status: StatusRecord, ids: readonly string[]) => ids.reduce((sum, id) => sum + (status.stats[id]?.out ?? 0), 0);

// --- (c) resident memory --------------------------------------------------------------------

interface MemoryWorkload extends Workload {
  bare_rss_mb: number;
  above_bare_mb: number;
  max_rss_mb: number;
  /** Subscribe outputs a second over the settle period. */
  values_per_s: number;
}

async function memoryWorkloads(bundleDir: string, sim: RunningSimulator, work: string, label: string): Promise<Workload[]> {
  const ids = subscribeNodes(bundleDir);
  const bare = await spawnBare();
  const bundle = spawnBundle(bundleDir, sim.endpointUrl, mkdtempSync(join(work, "data-")), STATUS_EVERY_MS);
  try {
    const receiving = await bundle.waitStatus(`status with all ${ids.length} subscribe nodes out > 0`, (s) => ids.every((id) => (s.stats[id]?.out ?? 0) > 0));
    const connectMs = receiving.at - bundle.spawnedAt;
    const samples: number[] = [];
    const bareSamples: number[] = [];
    let reports = 0;
    const settled = await bundle.waitStatus(`${SETTLE_REPORTS} more status reports`, () => {
      reports++;
      if (reports > SETTLE_REPORTS - RSS_SAMPLES) {
        samples.push(vmRssMb(bundle.child.pid!));
        bareSamples.push(vmRssMb(bare.pid!));
      }
      return reports >= SETTLE_REPORTS;
    }, SETTLE_REPORTS * STATUS_EVERY_MS * 20);
    const values = outOf(settled.status, ids) - outOf(receiving.status, ids);
    if (values <= 0 && label.startsWith("load")) throw new Error(`under load the subscribe nodes sent nothing after connecting`);
    const rate = values / ((settled.at - receiving.at) / 1000);
    const rss = median(samples), bareRss = median(bareSamples);
    const apps = blocksOf(bundleDir);
    const memory: MemoryWorkload = {
      name: `RSS line-capture bundle, ${label} — ${rss.toFixed(1)} MB, ${(rss - bareRss).toFixed(1)} MB above bare node; ${rate.toFixed(0)} values/s`,
      n: apps, blocks: apps, runs: samples.length,
      median_ms: round(connectMs, 1), p95_ms: round(connectMs, 1), per_block_ms: round(connectMs / apps, 4),
      target: null, met: true, rss_mb: round(rss, 1),
      bare_rss_mb: round(bareRss, 1), above_bare_mb: round(rss - bareRss, 1), max_rss_mb: round(Math.max(...samples), 1), values_per_s: round(rate, 1),
    };
    const bareRow: Workload = {
      name: `RSS bare node -e (same run as ${label}) — ${bareRss.toFixed(1)} MB`, n: 0, blocks: 0, runs: bareSamples.length,
      median_ms: 0, p95_ms: 0, per_block_ms: 0, target: null, met: true, rss_mb: round(bareRss, 1),
    };
    return [memory, bareRow];
  } finally {
    await bundle.stop();
    await stopChild(bare);
  }
}

function blocksOf(bundleDir: string): number {
  return (JSON.parse(readFileSync(join(bundleDir, "app.json"), "utf8")) as BundleApp).nodes.length;
}

// --- (d) cold start -------------------------------------------------------------------------

async function coldStartWorkloads(bundleDir: string, sim: RunningSimulator, work: string): Promise<Workload[]> {
  const fresh: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) fresh.push(await startToFirstValue(bundleDir, sim, mkdtempSync(join(work, "cold-"))));
  const kept = mkdtempSync(join(work, "kept-"));
  await startToFirstValue(bundleDir, sim, kept); // creates the client certificate and state database, untimed
  const again: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) again.push(await startToFirstValue(bundleDir, sim, kept));
  const blocks = blocksOf(bundleDir);
  const row = (name: string, times: number[]): Workload => {
    const mid = median(times);
    return {
      name: `${name} — ${mid.toFixed(0)} ms`, n: blocks, blocks, runs: times.length,
      median_ms: round(mid, 1), p95_ms: round(percentile(times, 95), 1), per_block_ms: round(mid / blocks, 4),
      target: null, met: true,
    };
  };
  return [
    row("cold start → first OPC UA value, new data folder (creates the client certificate)", fresh),
    row("cold start → first OPC UA value, kept data folder (restart)", again),
  ];
}

/** Spawn → first status report in which a subscribe node has out > 0, in ms (status reports every 50 ms). */
async function startToFirstValue(bundleDir: string, sim: RunningSimulator, dataDir: string): Promise<number> {
  const ids = subscribeNodes(bundleDir);
  const bundle = spawnBundle(bundleDir, sim.endpointUrl, dataDir, STATUS_EVERY_MS);
  try {
    const first = await bundle.waitStatus("status with a subscribe node out > 0", (s) => ids.some((id) => (s.stats[id]?.out ?? 0) > 0));
    return first.at - bundle.spawnedAt;
  } finally {
    await bundle.stop();
  }
}
