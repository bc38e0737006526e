/**
 * SPC rules at volume: the `dengta.quality.spc` block on an individuals chart with every rule
 * (WE1–WE4, N1–N8, R1) over 100,000 measurements of a process that drifts now and then, limits
 * estimated from the first 25 points. Measured three ways: the block function alone, called
 * directly with an in-memory store (the cost of the rules); in the real engine with its state in
 * the embedded SQLite database, measurements 1 ms apart (a fast replay: the block saves once per
 * second of message time, so 100 writes); and the same with measurements 1 s apart, so that the
 * block saves after every point (the cost of durability per point; reported, no target).
 * Run through `npm run bench`, never as a test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BlockContext, BlockStore, Clock, Message } from "../runtime/block.ts";
import { defineBlock } from "../runtime/block.ts";
import { VirtualClock } from "../runtime/clock.ts";
import { Engine, type EnginePlan } from "../runtime/engine.ts";
import { StateDatabase } from "../runtime/store.ts";
import spc, { type SpcViolation } from "../blocks/spc/runtime.ts";
import { median, percentile, round, rssMb, timeRuns, type Workload } from "./measure.ts";

const START = Date.UTC(2026, 0, 1);
const POINTS = 100_000;
const TARGET_MS = 1000;
const CONFIG = { chart: "individuals", baselineSubgroups: 25 };

interface SpcWorkload extends Workload {
  points: number;
  points_per_s: number;
  violations: number;
}

interface Outcome {
  points: number;
  violations: number;
  n1: number;
}

export async function run(): Promise<Workload[]> {
  const values = measurements(POINTS);
  const work = mkdtempSync(join(tmpdir(), "dengta-bench-spc-"));
  try {
    let direct: Outcome | undefined;
    const directTimes = await timeRuns(() => (direct = blockAlone(values)), { warmup: 3, runs: 9 });
    let engine: Outcome | undefined;
    let folder = 0;
    const engineTimes = await timeRuns(async () => (engine = await inEngine(values, join(work, `run-${folder++}`), 1)), { warmup: 1, runs: 5 });
    let durable: Outcome | undefined;
    const durableTimes = await timeRuns(async () => (durable = await inEngine(values, join(work, `run-${folder++}`), 1000)), { warmup: 0, runs: 3 });
    for (const other of [engine!, durable!]) {
      if (direct!.points !== other.points || direct!.violations !== other.violations) {
        throw new Error(`the block alone and the engine disagree: ${JSON.stringify({ direct, other })}`);
      }
    }
    if (direct!.points !== POINTS) throw new Error(`${direct!.points} of ${POINTS} points plotted`);
    const everyPoint = workload("spc: engine + SQLite, 1 s apart (a save per point), 100k points", durable!, durableTimes);
    everyPoint.target = null;
    everyPoint.met = true;
    return [
      workload("spc: rules alone, individuals, all rules, 100k points", direct!, directTimes),
      workload("spc: engine + SQLite state, 1 ms apart, 100k points", engine!, engineTimes),
      everyPoint,
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A normal process (mean 50, σ 2) with a 1.5σ shift for 40 points every 2,000 and a slow drift every 5,000. */
function measurements(n: number): Float64Array {
  let seed = 20260101;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const noise = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const shift = i > 25 && i % 2000 < 40 ? 3 : 0;
    const drift = i > 25 && i % 5000 < 10 ? (i % 5000) * 0.4 : 0;
    values[i] = 50 + 2 * noise + shift + drift;
  }
  return values;
}

// --- the block function alone -----------------------------------------------------------------

function blockAlone(values: Float64Array): Outcome {
  const outcome = { points: 0, violations: 0, n1: 0 };
  const memory = new Map<string, unknown>();
  const store: BlockStore = {
    get: <T>(key: string) => memory.get(key) as T | undefined,
    set: (key, value) => void memory.set(key, value),
    delete: (key) => void memory.delete(key),
  };
  const ctx = {
    nodeId: "spc",
    config: CONFIG,
    state: spc.createState!(CONFIG as never),
    emit(port: string, value: unknown) {
      if (port === "point") outcome.points++;
      else if (port === "violation") {
        outcome.violations++;
        if ((value as SpcViolation).rule === "N1") outcome.n1++;
      }
    },
    clock: undefined as unknown as Clock,
    store,
    log: { info() {}, warn() {}, error() {} },
    metrics: { count() {}, gauge() {} },
    signals: {},
    site: undefined as never,
    shared: undefined as never,
    dataDir: () => tmpdir(),
  } as unknown as BlockContext<never, never>;
  spc.start!(ctx as never);
  for (let i = 0; i < values.length; i++) {
    const msg: Message = { value: values[i], ts: START + i, quality: "good", source: "src" };
    spc.onMessage!("in", msg, ctx as never);
  }
  return outcome;
}

// --- through the engine, state in SQLite ------------------------------------------------------

async function inEngine(values: Float64Array, dataDir: string, spacingMs: number): Promise<Outcome> {
  const outcome = { points: 0, violations: 0, n1: 0 };
  const sink = defineBlock({
    onMessage(port, msg) {
      if (port === "point") outcome.points++;
      else if (port === "violation") {
        outcome.violations++;
        if ((msg.value as SpcViolation).rule === "N1") outcome.n1++;
      }
    },
  });
  const plan: EnginePlan = {
    nodes: [
      { id: "src", block: "src@1", config: {}, outputs: ["out"] },
      { id: "spc", block: "spc@1", config: CONFIG, outputs: ["point", "violation", "limits"] },
      { id: "sink", block: "sink@1", config: {}, outputs: [] },
    ],
    edges: [
      { from: { node: "src", port: "out" }, to: { node: "spc", port: "in" } },
      { from: { node: "spc", port: "point" }, to: { node: "sink", port: "point" } },
      { from: { node: "spc", port: "violation" }, to: { node: "sink", port: "violation" } },
    ],
    signals: {},
  };
  const states = new StateDatabase(join(dataDir, "dengta.db"));
  const engine = new Engine(plan, { "src@1": defineBlock({}), "spc@1": spc, "sink@1": sink }, {
    clock: new VirtualClock(START),
    dataDir,
    log: (level, node, message) => {
      if (level === "error") throw new Error(`${node}: ${typeof message === "string" ? message : message.en}`);
    },
    openStore: (nodeId) => states.storeFor(nodeId),
  });
  try {
    await engine.start();
    const options = { ts: 0 };
    for (let i = 0; i < values.length; i++) {
      options.ts = START + i * spacingMs;
      engine.emitFrom("src", "out", values[i], options);
    }
    await engine.stop();
  } finally {
    states.close();
  }
  return outcome;
}

// --- results ----------------------------------------------------------------------------------

function workload(name: string, outcome: Outcome, times: number[]): SpcWorkload {
  const mid = median(times);
  const rate = Math.round(POINTS / (mid / 1000));
  return {
    name: `${name} — ${(rate / 1e6).toFixed(2)} M points/s`,
    n: POINTS, blocks: 1, runs: times.length,
    median_ms: round(mid, 2), p95_ms: round(percentile(times, 95), 2), per_block_ms: round(mid, 4),
    target: `< ${TARGET_MS} ms for ${POINTS / 1000}k points: ${mid.toFixed(1)} ms (${outcome.violations} violations, ${outcome.n1} N1)`,
    met: mid < TARGET_MS,
    rss_mb: rssMb(),
    points: POINTS, points_per_s: rate, violations: outcome.violations,
  };
}
