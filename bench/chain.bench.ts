/**
 * Message throughput of the engine: a five-block chain source → unit conversion → deadband →
 * window → sink through the real engine on a VirtualClock, against the same arithmetic as five
 * plain functions, and the JSONata map block alone. Run through `npm run bench`, never as a test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AnyBlockDefinition, BlockStore } from "../runtime/block.ts";
import { defineBlock } from "../runtime/block.ts";
import { VirtualClock } from "../runtime/clock.ts";
import { Engine, type EnginePlan, type PlannedNode } from "../runtime/engine.ts";
import deadband from "../blocks/deadband/runtime.ts";
import map from "../blocks/map/runtime.ts";
import unitConvert from "../blocks/unit-convert/runtime.ts";
import windowBlock from "../blocks/window/runtime.ts";
import { median, percentile, round, rssMb, timeRuns, type RunPlan, type Workload } from "./measure.ts";

export const START = Date.UTC(2026, 0, 1);
export const CHAIN_MESSAGES = 2_000_000;
const MAP_MESSAGES = 100_000;
/** The map block is asynchronous: feed it this many at a time, within its default queue of 1000. */
const MAP_BATCH = 500;
/** The engine chain may take at most this many times as long as the plain functions. */
const CHAIN_FACTOR = 5;

export const UNIT = { from: "°C", to: "°F", scale: 0.1, offset: 0, decimals: 2 };
export const DEADBAND = { kind: "absolute", value: 0.1 };
export const WINDOW = { sizeMs: 1000, alignToMs: 0, emitEmpty: false };
const MAP = { expression: "$ * 1.8 + 32" };

/** Raw tenths of °C: rises 0.1 °C a message, except that every 8th message repeats the one before (the deadband drops it). */
export function rawValue(i: number): number {
  return Math.floor(i * 0.875) % 1000;
}

/** Throughput figures kept in bench/results.json beside the common fields. */
interface ThroughputWorkload extends Workload {
  messages: number;
  msgs_per_s: number;
  /** Fraction of the source's messages that reached the window block, and the sink. */
  reached_window?: number;
  reached_sink?: number;
  ratio_vs_plain?: number;
}

export interface ChainOutcome {
  passed: number;
  windows: number;
  sumOfSums: number;
}

export async function run(): Promise<Workload[]> {
  const plan = { warmup: 2, runs: 7 };
  const engineRun = await timeEngineChain(CHAIN_MESSAGES, plan);
  const plainRun = await timePlainChain(CHAIN_MESSAGES, plan);
  expectSame("engine", engineRun.outcome, plainRun.outcome);
  const mapTimes = await withDataDir((dataDir) => timeRuns(() => mapAlone(MAP_MESSAGES, dataDir), { warmup: 1, runs: 5 }));

  const engine = throughput("chain: engine, 5 blocks", CHAIN_MESSAGES, 5, engineRun.times);
  const plain = throughput("chain: 5 plain functions", CHAIN_MESSAGES, 5, plainRun.times);
  const ratio = engine.median_ms / plain.median_ms;
  const rate = (w: ThroughputWorkload) => `${(w.msgs_per_s / 1e6).toFixed(2)} M msg/s`;
  engine.target = `≤ ${CHAIN_FACTOR}× plain: ×${ratio.toFixed(2)} (${rate(engine)} vs ${rate(plain)})`;
  engine.met = ratio <= CHAIN_FACTOR;
  engine.ratio_vs_plain = round(ratio, 2);
  engine.reached_window = round(engineRun.outcome.passed / CHAIN_MESSAGES, 4);
  engine.reached_sink = round(engineRun.outcome.windows / CHAIN_MESSAGES, 6);
  engine.name += ` — ${rate(engine)}`;
  plain.name += ` — ${rate(plain)}`;
  const mapped = throughput("map (JSONata) alone, engine", MAP_MESSAGES, 1, mapTimes);
  mapped.name += ` — ${(mapped.msgs_per_s / 1e3).toFixed(1)} k msg/s`;
  return [engine, plain, mapped];
}

/** Run times (ms) of a chain and what the last run delivered. */
export interface ChainRuns {
  times: number[];
  outcome: ChainOutcome;
}

/** The five-block chain through the real engine, a fresh engine each run (also used by bench/compare/chain.ts). */
export function timeEngineChain(messages: number, plan: RunPlan): Promise<ChainRuns> {
  return withDataDir(async (dataDir) => {
    let outcome: ChainOutcome | undefined;
    const times = await timeRuns(async () => (outcome = await engineChain(messages, dataDir)), plan);
    return { times, outcome: outcome! };
  });
}

/** The same arithmetic as five plain functions (also used by bench/compare/chain.ts). */
export async function timePlainChain(messages: number, plan: RunPlan): Promise<ChainRuns> {
  let outcome: ChainOutcome | undefined;
  const times = await timeRuns(() => (outcome = plainChain(messages)), plan);
  return { times, outcome: outcome! };
}

async function withDataDir<T>(work: (dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), "dengta-bench-chain-"));
  try {
    return await work(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// --- the engine chain -------------------------------------------------------------------------

const source = defineBlock({});

function makeEngine(nodes: PlannedNode[], blocks: Record<string, AnyBlockDefinition>, dataDir: string): Engine {
  const edges = nodes.slice(1).map((node, i) => ({
    from: { node: nodes[i]!.id, port: "out" }, to: { node: node.id, port: "in" },
  }));
  const plan: EnginePlan = { nodes, edges, signals: {} };
  return new Engine(plan, blocks, {
    clock: new VirtualClock(START),
    dataDir,
    log: (level, node, message) => {
      if (level !== "info") throw new Error(`${node}: ${typeof message === "string" ? message : message.en}`);
    },
    openStore: (): BlockStore => {
      throw new Error("the bench blocks keep no store");
    },
  });
}

async function engineChain(n: number, dataDir: string): Promise<ChainOutcome> {
  // Counts the windows that arrive and adds up their sums, to check the result against the plain chain.
  const received = { count: 0, sum: 0 };
  const sink = defineBlock({
    onMessage(_port, msg) {
      received.count++;
      received.sum += (msg.value as { sum: number }).sum;
    },
  });
  const engine = makeEngine([
    { id: "src", block: "src@1", config: {}, outputs: ["out"] },
    { id: "unit", block: "unit@1", config: UNIT, outputs: ["out"] },
    { id: "deadband", block: "deadband@1", config: DEADBAND, outputs: ["out"] },
    { id: "window", block: "window@1", config: WINDOW, outputs: ["out"] },
    { id: "sink", block: "sink@1", config: {}, outputs: [] },
  ], { "src@1": source, "unit@1": unitConvert, "deadband@1": deadband, "window@1": windowBlock, "sink@1": sink }, dataDir);
  await engine.start();
  const options = { ts: 0 };
  for (let i = 0; i < n; i++) {
    options.ts = START + i;
    engine.emitFrom("src", "out", rawValue(i), options);
  }
  await engine.stop(); // the window block sends its last, partial window
  return { passed: engine.stats().window!.in, windows: received.count, sumOfSums: received.sum };
}

// --- the plain limit --------------------------------------------------------------------------

interface Msg {
  value: number;
  ts: number;
}

interface WindowAgg {
  start: number; end: number; count: number; min: number; max: number; mean: number; sum: number; first: number; last: number;
}

/** The same arithmetic as the blocks, as five functions each handing a new { value, ts } to the next. */
export function plainChain(n: number): ChainOutcome {
  const scale = UNIT.scale, offset = UNIT.offset, mul = 1 * 9, div = 1 * 5, post = -32, factor = 100;
  const band = DEADBAND.value, size = WINDOW.sizeMs, align = WINDOW.alignToMs;
  let passedAny = false, last = 0, passed = 0;
  let start = Number.NaN, count = 0, min = 0, max = 0, sum = 0, first = 0, lastValue = 0;
  let windows = 0, sumOfSums = 0;

  const toSink = (w: WindowAgg) => {
    windows++;
    sumOfSums += w.sum;
  };
  const closeWindow = () => {
    toSink({ start, end: start + size, count, min, max, mean: sum / count, sum, first, last: lastValue });
  };
  const toWindow = (msg: Msg) => {
    passed++;
    const ts = msg.ts;
    if (Number.isNaN(start)) start = Math.floor((ts - align) / size) * size + align;
    else if (ts >= start + size) {
      closeWindow();
      start = Math.floor((ts - align) / size) * size + align;
      count = 0;
      sum = 0;
    }
    const value = msg.value;
    if (count === 0) min = max = first = value;
    else {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    count++;
    sum += value;
    lastValue = value;
  };
  const toDeadband = (msg: Msg) => {
    const value = msg.value;
    if (passedAny && !(Math.abs(value - last) > band)) return;
    passedAny = true;
    last = value;
    toWindow({ value, ts: msg.ts });
  };
  const toUnit = (msg: Msg) => {
    const y = ((msg.value * scale + offset) * mul) / div - post;
    const scaled = Math.abs(y) * factor;
    const r = Math.round(scaled + scaled * Number.EPSILON) / factor;
    toDeadband({ value: y < 0 && r !== 0 ? -r : r, ts: msg.ts });
  };
  for (let i = 0; i < n; i++) toUnit({ value: rawValue(i), ts: START + i });
  if (count > 0) closeWindow();
  return { passed, windows, sumOfSums };
}

/** Throws unless `other` delivered what the plain chain did (sums to one part in a million: rounding differs). */
export function expectSame(name: string, other: ChainOutcome, plain: ChainOutcome): void {
  if (other.passed !== plain.passed || other.windows !== plain.windows || Math.abs(other.sumOfSums - plain.sumOfSums) > 1e-6 * Math.abs(plain.sumOfSums)) {
    throw new Error(`${name} and plain chains disagree / ${name} 与普通函数链的结果不一致: ${JSON.stringify({ [name]: other, plain })}`);
  }
}

// --- the map block alone ----------------------------------------------------------------------

async function mapAlone(n: number, dataDir: string): Promise<void> {
  let received = 0;
  const counter = defineBlock({ onMessage: () => void received++ });
  const engine = makeEngine([
    { id: "src", block: "src@1", config: {}, outputs: ["out"] },
    { id: "map", block: "map@1", config: MAP, outputs: ["out", "error"] },
    { id: "sink", block: "sink@1", config: {}, outputs: [] },
  ], { "src@1": source, "map@1": map, "sink@1": counter }, dataDir);
  await engine.start();
  const options = { ts: 0 };
  for (let i = 0; i < n; i += MAP_BATCH) {
    for (let j = i; j < i + MAP_BATCH && j < n; j++) {
      options.ts = START + j;
      engine.emitFrom("src", "out", rawValue(j), options);
    }
    await engine.settled();
  }
  await engine.stop();
  if (received !== n) throw new Error(`map: ${received} of ${n} messages reached the sink`);
}

// --- results ----------------------------------------------------------------------------------

function throughput(name: string, messages: number, blocks: number, times: number[]): ThroughputWorkload {
  const mid = median(times);
  return {
    name, n: messages, blocks, runs: times.length,
    median_ms: round(mid, 2), p95_ms: round(percentile(times, 95), 2), per_block_ms: round(mid / blocks, 4),
    target: null, met: true, rss_mb: rssMb(),
    messages, msgs_per_s: Math.round(messages / (mid / 1000)),
  };
}
