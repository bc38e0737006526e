/**
 * Chain throughput in one run: the five-block chain source → unit conversion → deadband → 1 s
 * window → sink of bench/chain.bench.ts on Dengta's engine, as five plain functions (the limit),
 * and as a Node-RED flow of the equivalent nodes, all on the same input values.
 *
 * The Node-RED flow: inject (once) → function "source" → range (scale) → rbe (deadband) →
 * function "window" → function "sink", and the sink wired back to the source to start the next
 * round, so every round runs on a warm process as the Dengta runs do. Core nodes where Node-RED
 * has them: `range` scales raw tenths of °C to °F, `rbe` in deadband mode drops changes not above
 * the band, compared with the last value sent. Node-RED has no window on the message's own time:
 * `batch` groups by count or by wall-clock interval, which at this rate puts arbitrary messages
 * together, so the window is one function node doing the window block's arithmetic on msg.ts.
 */
import {
  CHAIN_MESSAGES, DEADBAND, START, UNIT, WINDOW, expectSame, plainChain, rawValue, timeEngineChain, timePlainChain,
  type ChainOutcome,
} from "../chain.bench.ts";
import { median } from "../measure.ts";
import { advantage, compared, round, type Compared } from "./compared.ts";
import { startNodeRed, type NodeRedInstall, type RunningNodeRed } from "./node-red/node-red.ts";

const DENGTA_PLAN = { warmup: 2, runs: 5 };
/** The same messages as Dengta: Node-RED takes 30–36 s a run on a 2-core machine, under the minute allowed. */
const NODE_RED_MESSAGES = CHAIN_MESSAGES;
const NODE_RED_PLAN = { warmup: 1, runs: 3 };
/** Messages the source sends before it yields to Node-RED's delivery queue: 100 and 1000 did alike, 10 000 worse. */
const NODE_RED_BATCH = 1000;
const NODE_RED_RUN_TIMEOUT_MS = 120_000;
const TARGET_VS_NODE_RED = 10;
const TARGET_VS_PLAIN = 5;

export async function chainThroughput(install: NodeRedInstall): Promise<Compared[]> {
  console.log(`chain: Node-RED ${install.nodeRedVersion}, ${NODE_RED_MESSAGES} messages a run / 链路：Node-RED ${install.nodeRedVersion}，每轮 ${NODE_RED_MESSAGES} 条消息`);
  const nodeRed = await nodeRedRuns(install, NODE_RED_MESSAGES, NODE_RED_PLAN);
  console.log(`chain: Dengta and plain functions, ${CHAIN_MESSAGES} messages a run / 链路：Dengta 与普通函数，每轮 ${CHAIN_MESSAGES} 条消息`);
  const dengta = await timeEngineChain(CHAIN_MESSAGES, DENGTA_PLAN);
  const plain = await timePlainChain(CHAIN_MESSAGES, DENGTA_PLAN);
  expectSame("Dengta", dengta.outcome, plain.outcome);

  const rate = (messages: number, times: number[]) => Math.round(messages / (median(times) / 1000));
  const dengtaRate = rate(CHAIN_MESSAGES, dengta.times);
  const plainRate = rate(CHAIN_MESSAGES, plain.times);
  const nodeRedRate = rate(NODE_RED_MESSAGES, nodeRed.times);
  const detail = {
    node_red_version: install.nodeRedVersion,
    dengta_messages: CHAIN_MESSAGES, plain_messages: CHAIN_MESSAGES, node_red_messages: NODE_RED_MESSAGES,
    dengta_runs_ms: runsText(dengta.times), plain_runs_ms: runsText(plain.times), node_red_runs_ms: runsText(nodeRed.times),
    windows: dengta.outcome.windows, node_red_windows: nodeRed.outcome.windows, node_red_batch: NODE_RED_BATCH,
  };
  const vsNodeRed = compared({
    name: "chain: 5 blocks, msgs/s", unit: "msgs/s", better: "higher",
    dengta: dengtaRate, node_red: nodeRedRate, plain: plainRate, target: `≥ ${TARGET_VS_NODE_RED}× Node-RED`,
    met: (advantage("higher", dengtaRate, nodeRedRate) ?? 0) >= TARGET_VS_NODE_RED, detail,
  });
  const slowdown = round(plainRate / dengtaRate, 2);
  const vsPlain = compared({
    name: "chain: 5 blocks, within 5× of the plain limit", unit: "msgs/s", better: "higher",
    dengta: dengtaRate, node_red: null, plain: plainRate, ratio_vs_plain: slowdown,
    target: `≤ ${TARGET_VS_PLAIN}× plain`, met: slowdown <= TARGET_VS_PLAIN, detail,
  });
  return [vsNodeRed, vsPlain];
}

function runsText(times: number[]): string {
  return times.map((t) => round(t, 1)).join(", ");
}

// --- Node-RED -----------------------------------------------------------------------------------

interface NodeRedRound {
  round: number;
  elapsedMs: number;
  windows: number;
  sumOfSums: number;
  passed: number;
}

/** One Node-RED process runs warmup + runs rounds back to back; each round's time is taken inside Node-RED. */
async function nodeRedRuns(install: NodeRedInstall, messages: number, plan: { warmup: number; runs: number }): Promise<{ times: number[]; outcome: ChainOutcome }> {
  const rounds = plan.warmup + plan.runs;
  const expected = plainChain(messages);
  const nodeRed = await startNodeRed(install, { flows: chainFlow(messages, rounds, NODE_RED_BATCH) });
  try {
    const times: number[] = [];
    let outcome: ChainOutcome = expected;
    for (let round = 1; round <= rounds; round++) {
      const result = await roundResult(nodeRed, round);
      expectSame("Node-RED", result, expected);
      if (round > plan.warmup) times.push(result.elapsedMs);
      outcome = result;
    }
    return { times, outcome };
  } finally {
    await nodeRed.stop();
  }
}

async function roundResult(nodeRed: RunningNodeRed, round: number): Promise<NodeRedRound> {
  const line = await nodeRed.waitForLine(new RegExp(`CHAIN_DONE \\{"round":${round},`), NODE_RED_RUN_TIMEOUT_MS);
  return JSON.parse(line.slice(line.indexOf("{"))) as NodeRedRound;
}

/** The chain as a Node-RED flow on one tab. */
export function chainFlow(messages: number, rounds: number, batch: number): object[] {
  const z = "chain-tab";
  const [fromF, toF] = [fahrenheit(0), fahrenheit(1000)];
  const fn = (id: string, name: string, func: string, x: number, wires: string[]) =>
    ({ id, type: "function", z, name, func, outputs: 1, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], x, y: 80, wires: [wires] });
  return [
    { id: z, type: "tab", label: "chain", disabled: false, info: "" },
    {
      id: "start", type: "inject", z, name: "start", props: [{ p: "payload" }], repeat: "", crontab: "", once: true, onceDelay: "0.1",
      topic: "", payload: "", payloadType: "date", x: 100, y: 40, wires: [["source"]],
    },
    fn("source", "source", sourceCode(messages, rounds, batch), 100, ["unit"]),
    {
      id: "unit", type: "range", z, name: "°C/10 → °F", minin: "0", maxin: "1000", minout: String(fromF), maxout: String(toF),
      action: "scale", round: false, property: "payload", x: 260, y: 80, wires: [["deadband"]],
    },
    {
      id: "deadband", type: "rbe", z, name: "deadband", func: "deadband", gap: String(DEADBAND.value), start: "", inout: "out",
      septopics: true, property: "payload", topi: "topic", x: 420, y: 80, wires: [["window"]],
    },
    fn("window", "window", WINDOW_CODE, 580, ["sink"]),
    fn("sink", "sink", SINK_CODE, 740, ["source"]),
  ];
}

/** What the unit-convert block makes of a raw value with the bench's settings (°C → °F), before rounding. */
function fahrenheit(raw: number): number {
  return ((raw * UNIT.scale + UNIT.offset) * 9) / 5 + 32;
}

/**
 * Each round: a reset (clears the deadband's last value, as a fresh engine has none), the
 * messages in batches with setImmediate between so the flow's deliveries keep up, then a flush
 * (its own topic passes the deadband) that closes the last window.
 */
function sourceCode(messages: number, rounds: number, batch: number): string {
  return `
const round = (context.get("round") || 0) + 1;
if (round > ${rounds}) return null;
context.set("round", round);
const valueAt = (${rawValue.toString()});
const immediate = global.get("setImmediate");
const startedAt = global.get("hrtimeMs")();
node.send({ reset: true }, false);
let i = 0;
const sendBatch = () => {
  const end = Math.min(i + ${batch}, ${messages});
  for (; i < end; i++) node.send({ payload: valueAt(i), ts: ${START} + i }, false);
  if (i < ${messages}) immediate(sendBatch);
  else node.send({ topic: "flush", payload: 0, round, startedAt }, false);
};
sendBatch();
return null;
`;
}

/** The window block's arithmetic: windows [k·size, (k+1)·size) on msg.ts, closed by the first later message or the flush. */
const WINDOW_CODE = `
const SIZE = ${WINDOW.sizeMs}, ALIGN = ${WINDOW.alignToMs};
let s = context.get("w");
if (s === undefined) {
  s = { start: NaN, count: 0, min: 0, max: 0, sum: 0, first: 0, last: 0, passed: 0 };
  context.set("w", s);
}
const aggregate = (partial) => ({ payload: {
  start: s.start, end: s.start + SIZE, count: s.count, min: s.min, max: s.max, mean: s.sum / s.count, sum: s.sum,
  first: s.first, last: s.last, partial,
} });
if (msg.topic === "flush") {
  const out = s.count > 0 ? [aggregate(true)] : [];
  out.push({ topic: "done", round: msg.round, startedAt: msg.startedAt, passed: s.passed });
  context.set("w", undefined);
  node.send([out], false);
  return null;
}
const ts = msg.ts, value = msg.payload;
if (ts < s.start) return null;
s.passed++;
let closed = null;
if (Number.isNaN(s.start)) s.start = Math.floor((ts - ALIGN) / SIZE) * SIZE + ALIGN;
else if (ts >= s.start + SIZE) {
  closed = aggregate(false);
  s.start = Math.floor((ts - ALIGN) / SIZE) * SIZE + ALIGN;
  s.count = 0;
  s.sum = 0;
}
if (s.count === 0) s.min = s.max = s.first = value;
else {
  if (value < s.min) s.min = value;
  if (value > s.max) s.max = value;
}
s.count++;
s.sum += value;
s.last = value;
return closed;
`;

/** Counts the windows and adds up their sums; at the round's end logs them with the time since the source's first message. */
const SINK_CODE = `
let c = context.get("c");
if (c === undefined) {
  c = { windows: 0, sum: 0 };
  context.set("c", c);
}
if (msg.topic === "done") {
  const elapsedMs = global.get("hrtimeMs")() - msg.startedAt;
  node.log("CHAIN_DONE " + JSON.stringify({ round: msg.round, elapsedMs, windows: c.windows, sumOfSums: c.sum, passed: msg.passed }));
  context.set("c", undefined);
  return { topic: "next" };
}
c.windows++;
c.sum += msg.payload.sum;
return null;
`;
