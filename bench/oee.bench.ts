/**
 * OEE for one week of 1 Hz data from 10 machines, two ways.
 *
 * One **sample** is one machine's reading at one second: its state code (1 running, 2 idle,
 * 3 setup, 4 down), its cumulative good counter and its cumulative scrap counter (UInt32). A week
 * is 7 × 86,400 s × 10 machines = 6,048,000 samples, generated here from a seeded PRNG. Each
 * sample is delivered as **three messages** (state, good, scrap) from three source nodes, so the
 * engine takes 18,144,000 messages a week; msg/s counts those source messages.
 *
 * - **Through the engine**: the real Engine on a VirtualClock with a site calendar of three 8 h
 *   shifts (Asia/Shanghai, a 30 min break each), per machine: state → change-only →
 *   machine-state → oee.state, good → counter-delta → oee.good, scrap → counter-delta → oee.scrap.
 *   Every sample goes in, in time order; timed from building the engine to the last of the
 *   10 × 21 shift reports. Node state (counter-delta's last value) is kept in SQLite as on a box,
 *   and, to show the store's share, in memory.
 * - **From stored history**: the week stored as an APP with the sqlite-sink stores it (each
 *   signal through change-only into `dengta.store.sqlite`, untimed); then timed: read every row back
 *   with `History.query`, merge them into time order and replay them through machine-state,
 *   counter-delta and oee in the engine, up to the same 210 reports. A recompute keeps no node
 *   state, so its target is for the run with node state in memory; the run that saves it in SQLite
 *   is shown for comparison.
 *
 * Every run's reports are checked against OEE computed directly from the generated data (exact
 * times and counts, ratios within 1e-4). Run through `npm run bench`, never as a test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AnyBlockDefinition, BlockStore, SiteCalendar } from "../runtime/block.ts";
import { defineBlock } from "../runtime/block.ts";
import { VirtualClock } from "../runtime/clock.ts";
import { Prng } from "../simulator/model/prng.ts";
import { Engine, type EnginePlan, type PlannedEdge, type PlannedNode } from "../runtime/engine.ts";
import { History, databasePath, openDatabase, type HistoryPoint } from "../runtime/storage/index.ts";
import { StateDatabase } from "../runtime/store.ts";
import changeOnly from "../blocks/change-only/runtime.ts";
import counterDelta from "../blocks/counter-delta/runtime.ts";
import machineState from "../blocks/machine-state/runtime.ts";
import oee, { type OeeReport } from "../blocks/oee/runtime.ts";
import sqliteSink from "../blocks/sqlite-sink/runtime.ts";
import { median, percentile, retainedHeapMb, round, rssMb, timeRuns, type RunPlan, type Workload } from "./measure.ts";

const MACHINES = 10;
const WEEK_S = 7 * 86_400;
const SAMPLES = MACHINES * WEEK_S;
const MESSAGES = 3 * SAMPLES;
const SHIFT_S = 8 * 3_600;
const SHIFTS = WEEK_S / SHIFT_S;
/** Each shift's half-hour break starts 4 h into the shift. */
const BREAK_FROM_S = 4 * 3_600;
const BREAK_TO_S = BREAK_FROM_S + 1_800;
/** Monday 2026-01-05 06:00 in Shanghai (UTC+8, no daylight saving): the start of the early shift. */
const START = Date.UTC(2026, 0, 4, 22);
const END = START + WEEK_S * 1000;
const CALENDAR: SiteCalendar = {
  timezone: "Asia/Shanghai",
  shifts: [
    { name: "早班", start: "06:00", end: "14:00", breaks: [["10:00", "10:30"]] },
    { name: "中班", start: "14:00", end: "22:00", breaks: [["18:00", "18:30"]] },
    { name: "夜班", start: "22:00", end: "06:00", breaks: [["02:00", "02:30"]] },
  ],
};

const RUNNING = 1, IDLE = 2, SETUP = 3, DOWN = 4;
const STATE_MAP = { "1": "running", "2": "idle", "3": "setup", "4": "down" };
const PLANNED_STOPS = ["setup"];
const IDEAL_CYCLE_S = [12, 15, 20, 24, 30, 12, 18, 25, 40, 60];
const SCRAP_RATE = 0.02;
/** Machine 3's good counter starts just below 2^32 and wraps on the first day. */
const ROLLOVER_MACHINE = 2;
/** Machine 7's scrap counter is zeroed by hand on day 4. */
const RESET_MACHINE = 6;
const RESET_AT_S = 3 * 86_400 + 6 * 3_600 + 17;
const TOLERANCE = 1e-4;
const ENGINE_TARGET_MS = 10_000;
const HISTORY_TARGET_MS = 1_000;

type StoreKind = "sqlite" | "memory";

export async function run(): Promise<Workload[]> {
  const week = generateWeek();
  const truth = groundTruth(week);
  const work = mkdtempSync(join(tmpdir(), "dengta-bench-oee-"));
  try {
    const engineMemory = await measureEngine(week, truth, work, "memory", { warmup: 1, runs: 3 });
    const engineSqlite = await measureEngine(week, truth, work, "sqlite", { warmup: 0, runs: 1 });
    const historyDir = join(work, "history");
    const storedRows = await storeWeek(week, historyDir);
    const historyMemory = await measureHistory(historyDir, storedRows, truth, work, "memory", { warmup: 2, runs: 7 });
    const historySqlite = await measureHistory(historyDir, storedRows, truth, work, "sqlite", { warmup: 1, runs: 5 });
    return [engineSqlite, engineMemory, historySqlite, historyMemory];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// --- the week's data --------------------------------------------------------------------------

/** Index second × MACHINES + machine. */
interface Week {
  /** The state code and both counters as the PLC shows them at that second. */
  state: Uint8Array;
  good: Uint32Array;
  scrap: Uint32Array;
  /** Parts made in the second before: what the counters' increase at that second stands for. */
  madeGood: Uint8Array;
  madeScrap: Uint8Array;
}

function generateWeek(): Week {
  const week: Week = {
    state: new Uint8Array(SAMPLES), good: new Uint32Array(SAMPLES), scrap: new Uint32Array(SAMPLES),
    madeGood: new Uint8Array(SAMPLES), madeScrap: new Uint8Array(SAMPLES),
  };
  for (let m = 0; m < MACHINES; m++) generateMachine(week, m);
  return week;
}

/** Runs and stops of random length; idle in breaks unless down; a part every cycle while running. */
function generateMachine(week: Week, m: number): void {
  const generator = new Prng(20260105 + m);
  const random = () => generator.next();
  const cycleS = IDEAL_CYCLE_S[m]! * (1.15 + 0.15 * random());
  let good = m === ROLLOVER_MACHINE ? 0xffffffff - 400 : Math.floor(random() * 1e6);
  let scrap = 1000 + Math.floor(random() * 9000);
  let period = runPeriod(random);
  let shown = 0;
  let progress = 0;
  for (let t = 0; t < WEEK_S; t++) {
    let madeGood = 0, madeScrap = 0;
    if (shown === RUNNING && (progress += 1 / cycleS) >= 1) {
      progress -= 1;
      if (random() < SCRAP_RATE) madeScrap = 1;
      else madeGood = 1;
    }
    good = (good + madeGood) >>> 0;
    scrap = m === RESET_MACHINE && t === RESET_AT_S ? madeScrap : scrap + madeScrap;
    if (period.left-- === 0) period = period.code === RUNNING ? stopPeriod(random) : runPeriod(random);
    shown = period.code === RUNNING && inBreak(t) ? IDLE : period.code;
    const i = t * MACHINES + m;
    week.state[i] = shown;
    week.good[i] = good;
    week.scrap[i] = scrap;
    week.madeGood[i] = madeGood;
    week.madeScrap[i] = madeScrap;
  }
}

interface Period {
  code: number;
  left: number;
}

function runPeriod(random: () => number): Period {
  return { code: RUNNING, left: duration(random, 2_700, 60) };
}

/** Short waits are common, breakdowns take minutes to hours, changeovers half an hour or more. */
function stopPeriod(random: () => number): Period {
  const r = random();
  if (r < 0.55) return { code: IDLE, left: duration(random, 300, 30) };
  if (r < 0.85) return { code: DOWN, left: duration(random, 1_200, 60) };
  return { code: SETUP, left: duration(random, 2_400, 600) };
}

/** Exponentially distributed seconds: many short periods, a few long ones. */
function duration(random: () => number, meanS: number, minS: number): number {
  return minS + Math.round(-meanS * Math.log(1 - random()));
}

function inBreak(t: number): boolean {
  const inShift = t % SHIFT_S;
  return inShift >= BREAK_FROM_S && inShift < BREAK_TO_S;
}

// --- ground truth -----------------------------------------------------------------------------

interface ShiftTruth {
  busyS: number;
  runningS: number;
  good: number;
  scrap: number;
}

/**
 * Per machine and shift, straight from the generated seconds: planned busy time is the shift
 * minus its break minus setup; parts count in the shift of the second they show up in.
 */
function groundTruth(week: Week): ShiftTruth[][] {
  const truth = Array.from({ length: MACHINES }, () =>
    Array.from({ length: SHIFTS }, () => ({ busyS: 0, runningS: 0, good: 0, scrap: 0 })));
  for (let t = 0; t < WEEK_S; t++) {
    const planned = !inBreak(t);
    const shift = Math.floor(t / SHIFT_S);
    for (let m = 0; m < MACHINES; m++) {
      const i = t * MACHINES + m;
      const tally = truth[m]![shift]!;
      const code = week.state[i];
      if (planned && code !== SETUP) {
        tally.busyS++;
        if (code === RUNNING) tally.runningS++;
      }
      tally.good += week.madeGood[i]!;
      tally.scrap += week.madeScrap[i]!;
    }
  }
  return truth;
}

interface Ratios {
  availability: number;
  performance: number;
  quality: number;
  oee: number;
}

function expectedRatios(tally: ShiftTruth, idealCycleS: number): Ratios {
  const total = tally.good + tally.scrap;
  const availability = tally.busyS > 0 ? tally.runningS / tally.busyS : 0;
  const performance = tally.runningS > 0 ? Math.min(1, (idealCycleS * total) / tally.runningS) : 0;
  const quality = total > 0 ? tally.good / total : 0;
  return { availability, performance, quality, oee: availability * performance * quality };
}

// --- the APPs ---------------------------------------------------------------------------------

const BLOCKS: Record<string, AnyBlockDefinition> = {
  "source@1": defineBlock({}),
  "change-only@1": changeOnly,
  "machine-state@1": machineState,
  "counter-delta@1": counterDelta,
  "oee@1": oee,
  "sqlite@1": sqliteSink,
};

/** The machine's name in reports, and the prefix of its signals: M01 → m01StateCode, m01Good, m01Scrap. */
const machineName = (m: number) => `M${String(m + 1).padStart(2, "0")}`;
const signalsOf = (m: number) => {
  const prefix = machineName(m).toLowerCase();
  return { state: `${prefix}StateCode`, good: `${prefix}Good`, scrap: `${prefix}Scrap` };
};
const ALL_SIGNALS = Array.from({ length: MACHINES }, (_, m) => Object.values(signalsOf(m))).flat();

function node(id: string, block: string, config: Record<string, unknown> = {}, outputs = ["out"]): PlannedNode {
  return { id, block, config, outputs };
}

/** "a.out" → "b.in" */
function link(from: string, to: string): PlannedEdge {
  const [fromNode, fromPort] = from.split(".") as [string, string];
  const [toNode, toPort] = to.split(".") as [string, string];
  return { from: { node: fromNode, port: fromPort }, to: { node: toNode, port: toPort } };
}

/** Per machine: signal sources → machine-state and two counter-deltas → oee; every oee → reports. */
function oeeApp(stateChangesOnly: boolean): EnginePlan {
  const nodes: PlannedNode[] = [];
  const edges: PlannedEdge[] = [];
  for (let m = 0; m < MACHINES; m++) {
    const signal = signalsOf(m);
    const name = machineName(m);
    const id = name.toLowerCase();
    nodes.push(node(signal.state, "source@1"), node(signal.good, "source@1"), node(signal.scrap, "source@1"));
    let state = signal.state;
    if (stateChangesOnly) {
      nodes.push(node(`${id}StateChanges`, "change-only@1"));
      edges.push(link(`${state}.out`, `${id}StateChanges.in`));
      state = `${id}StateChanges`;
    }
    nodes.push(
      node(`${id}State`, "machine-state@1", { map: STATE_MAP }, ["out", "duration"]),
      node(`${id}GoodParts`, "counter-delta@1"),
      node(`${id}ScrapParts`, "counter-delta@1"),
      node(`${id}Oee`, "oee@1", { machine: name, idealCycleTimeS: IDEAL_CYCLE_S[m], plannedStopStates: PLANNED_STOPS }),
    );
    edges.push(
      link(`${state}.out`, `${id}State.in`),
      link(`${signal.good}.out`, `${id}GoodParts.in`),
      link(`${signal.scrap}.out`, `${id}ScrapParts.in`),
      link(`${id}State.out`, `${id}Oee.state`),
      link(`${id}GoodParts.out`, `${id}Oee.good`),
      link(`${id}ScrapParts.out`, `${id}Oee.scrap`),
      link(`${id}Oee.out`, "reports.in"),
    );
  }
  nodes.push(node("reports", "reports@1", {}, []));
  return { nodes, edges, signals: {} };
}

/** What the sqlite-sink stores for such an APP: every signal through change-only, its node id as the series. */
function historyApp(): EnginePlan {
  const nodes: PlannedNode[] = [];
  const edges: PlannedEdge[] = [];
  for (const signal of ALL_SIGNALS) {
    nodes.push(node(`${signal}Plc`, "source@1"), node(signal, "change-only@1"));
    edges.push(link(`${signal}Plc.out`, `${signal}.in`), link(`${signal}.out`, "history.in"));
  }
  nodes.push(node("history", "sqlite@1", {}, []));
  return { nodes, edges, signals: {} };
}

interface Run {
  engine: Engine;
  clock: VirtualClock;
  reports: OeeReport[];
  close(): void;
}

/** The engine on a VirtualClock at the week's start, with the site calendar and node state in SQLite or memory. */
async function startEngine(plan: EnginePlan, dataDir: string, store: StoreKind): Promise<Run> {
  const reports: OeeReport[] = [];
  const blocks = { ...BLOCKS, "reports@1": defineBlock({ onMessage: (_port, msg) => void reports.push(msg.value as OeeReport) }) };
  const states = store === "sqlite" ? new StateDatabase(join(dataDir, "dengta.db")) : undefined;
  const clock = new VirtualClock(START);
  const engine = new Engine(plan, blocks, {
    clock,
    dataDir,
    log: (level, node, message) => {
      if (level === "error") throw new Error(`${node}: ${typeof message === "string" ? message : message.en}`);
    },
    openStore: (nodeId) => states?.storeFor(nodeId) ?? memoryStore(),
    site: { endpoints: {}, cameras: {}, secret: () => undefined, calendar: CALENDAR },
  });
  await engine.start();
  return { engine, clock, reports, close: () => states?.close() };
}

function memoryStore(): BlockStore {
  const memory = new Map<string, unknown>();
  return {
    get: <T>(key: string) => memory.get(key) as T | undefined,
    set: (key, value) => void memory.set(key, value),
    delete: (key) => void memory.delete(key),
  };
}

/** Fires the timers up to the week's end (the last shift's reports), then stops the engine. */
async function finishWeek({ engine, clock, close }: Run): Promise<void> {
  await engine.settled();
  while (clock.fireNext(END)) await engine.settled();
  await engine.stop();
  close();
}

/** Every second, every machine's state, good and scrap counter, as its three sources would send them. */
function injectWeek(engine: Engine, week: Week, nameOf: (signal: string) => string): void {
  const sources = Array.from({ length: MACHINES }, (_, m) => signalsOf(m));
  const state = sources.map((s) => nameOf(s.state));
  const good = sources.map((s) => nameOf(s.good));
  const scrap = sources.map((s) => nameOf(s.scrap));
  const options = { ts: 0 };
  for (let t = 0; t < WEEK_S; t++) {
    options.ts = START + t * 1000;
    for (let m = 0; m < MACHINES; m++) {
      const i = t * MACHINES + m;
      engine.emitFrom(state[m]!, "out", week.state[i], options);
      engine.emitFrom(good[m]!, "out", week.good[i], options);
      engine.emitFrom(scrap[m]!, "out", week.scrap[i], options);
    }
  }
}

// --- through the engine -----------------------------------------------------------------------

interface Outcome {
  reports: OeeReport[];
  /** Messages into all nodes, the sources' own not counted. */
  delivered: number;
  counters: Record<string, number>;
}

async function weekThroughEngine(week: Week, dataDir: string, store: StoreKind): Promise<Outcome> {
  const run = await startEngine(oeeApp(true), dataDir, store);
  injectWeek(run.engine, week, (signal) => signal);
  await finishWeek(run);
  return outcomeOf(run);
}

function outcomeOf(run: Run): Outcome {
  const delivered = Object.values(run.engine.stats()).reduce((sum, s) => sum + s.in, 0);
  return { reports: run.reports, delivered, counters: run.engine.counters() };
}

async function measureEngine(week: Week, truth: ShiftTruth[][], work: string, store: StoreKind, plan: RunPlan): Promise<OeeWorkload> {
  let outcome: Outcome | undefined;
  let folder = 0;
  const times = await timeRuns(async () => {
    outcome = await weekThroughEngine(week, join(work, `engine-${store}-${folder++}`), store);
    expectTruth(outcome, truth);
  }, plan);
  const w = oeeWorkload(`oee: engine, 1 Hz week, node state in ${store === "sqlite" ? "SQLite (as on a box)" : "memory"}`,
    oeeApp(true).nodes.length, times, outcome!, MESSAGES);
  return withTarget(w, ENGINE_TARGET_MS, `${(SAMPLES / 1e6).toFixed(2)}M samples`);
}

// --- from stored history ----------------------------------------------------------------------

/** Stores the week as the sqlite-sink would (untimed); returns the rows stored. */
async function storeWeek(week: Week, dataDir: string): Promise<number> {
  const run = await startEngine(historyApp(), dataDir, "memory");
  injectWeek(run.engine, week, (signal) => `${signal}Plc`);
  await finishWeek(run);
  const db = openDatabase(databasePath(dataDir));
  try {
    const history = new History(db);
    return ALL_SIGNALS.reduce((sum, series) => sum + history.size(series).rows, 0);
  } finally {
    db.close();
  }
}

/** Every series' rows of the week, each oldest first. */
function readWeek(historyDir: string, rows: number): Array<{ series: string; points: HistoryPoint[] }> {
  const db = openDatabase(databasePath(historyDir));
  try {
    const history = new History(db);
    return ALL_SIGNALS.map((series) => ({ series, points: history.query(series, START, END, rows) }));
  } finally {
    db.close();
  }
}

/** Sends the rows of all series in time order (a merge of the sorted series; ties keep series order). */
function replay(engine: Engine, streams: Array<{ series: string; points: HistoryPoint[] }>): number {
  const next = streams.map(() => 0);
  const options = { ts: 0, quality: "good" as HistoryPoint["quality"] };
  let sent = 0;
  for (;;) {
    let best = -1;
    let bestTs = Number.POSITIVE_INFINITY;
    for (let k = 0; k < streams.length; k++) {
      const point = streams[k]!.points[next[k]!];
      if (point !== undefined && point.ts < bestTs) [best, bestTs] = [k, point.ts];
    }
    if (best < 0) return sent;
    const point = streams[best]!.points[next[best]!++]!;
    options.ts = point.ts;
    options.quality = point.quality;
    engine.emitFrom(streams[best]!.series, "out", point.value, options);
    sent++;
  }
}

async function weekFromHistory(historyDir: string, rows: number, dataDir: string, store: StoreKind): Promise<Outcome & { sent: number }> {
  const streams = readWeek(historyDir, rows);
  const run = await startEngine(oeeApp(false), dataDir, store);
  const sent = replay(run.engine, streams);
  await finishWeek(run);
  return { ...outcomeOf(run), sent };
}

async function measureHistory(historyDir: string, rows: number, truth: ShiftTruth[][], work: string, store: StoreKind, plan: RunPlan): Promise<OeeWorkload> {
  let outcome: (Outcome & { sent: number }) | undefined;
  let folder = 0;
  const times = await timeRuns(async () => {
    outcome = await weekFromHistory(historyDir, rows, join(work, `replay-${store}-${folder++}`), store);
    expectTruth(outcome, truth);
  }, plan);
  if (outcome!.sent !== rows) throw new Error(`replayed ${outcome!.sent} of ${rows} stored rows`);
  const w = oeeWorkload(`oee: from history, ${rows} rows read + replayed, node state in ${store === "sqlite" ? "SQLite" : "memory"}`,
    oeeApp(false).nodes.length, times, outcome!, rows);
  w.stored_rows = rows;
  w.heap_mb = await retainedHeapMb(() => readWeek(historyDir, rows));
  // A recompute from history is an offline job: it has no node state worth saving, so the target
  // is for the run that keeps it in memory; the other shows what saving it would cost.
  return store === "memory" ? withTarget(w, HISTORY_TARGET_MS, `${rows} rows`) : w;
}

// --- checks and results -----------------------------------------------------------------------

/** Throws unless there is exactly one full report per machine and shift, matching the truth. */
function expectTruth(outcome: Outcome, truth: ShiftTruth[][]): void {
  const { reports, counters } = outcome;
  if (reports.length !== MACHINES * SHIFTS) throw new Error(`${reports.length} reports, expected ${MACHINES * SHIFTS}`);
  const seen = new Set<string>();
  for (const report of reports) {
    const m = Number(report.machine.slice(1)) - 1;
    const shift = (report.start - START) / (SHIFT_S * 1000);
    const key = `${report.machine} ${shift}`;
    if (seen.has(key)) throw new Error(`two reports for ${key}`);
    seen.add(key);
    expectShift(report, truth[m]?.[shift], IDEAL_CYCLE_S[m]!, key);
  }
  const rollovers = counters[`${machineName(ROLLOVER_MACHINE).toLowerCase()}GoodParts.rollovers`];
  const resets = counters[`${machineName(RESET_MACHINE).toLowerCase()}ScrapParts.resets`];
  if (rollovers !== 1 || resets !== 1) throw new Error(`expected one rollover and one reset, got ${rollovers} and ${resets}`);
}

function expectShift(report: OeeReport, tally: ShiftTruth | undefined, idealCycleS: number, key: string): void {
  if (tally === undefined) throw new Error(`report for no shift of the week: ${key}`);
  const expected = expectedRatios(tally, idealCycleS);
  const exact = report.end === report.start + SHIFT_S * 1000 && !report.partial
    && report.plannedBusyTimeS === tally.busyS && report.actualProductionTimeS === tally.runningS
    && report.downtimeS === tally.busyS - tally.runningS && report.good === tally.good && report.scrap === tally.scrap;
  const close = (["availability", "performance", "quality", "oee"] as const)
    .every((ratio) => Math.abs(report[ratio] - expected[ratio]) <= TOLERANCE);
  if (!exact || !close) throw new Error(`${key}: report ${JSON.stringify(report)} differs from truth ${JSON.stringify({ ...tally, ...expected })}`);
}

/** Figures kept in bench/results.json beside the common fields. */
interface OeeWorkload extends Workload {
  samples: number;
  /** Messages the sources sent: 3 per sample, or one per stored row. */
  messages: number;
  msgs_per_s: number;
  /** Messages into every node, sources excluded. */
  delivered: number;
  reports: number;
  stored_rows?: number;
}

function oeeWorkload(name: string, blocks: number, times: number[], outcome: Outcome, messages: number): OeeWorkload {
  const mid = median(times);
  return {
    name, n: blocks, blocks, runs: times.length,
    median_ms: round(mid, 2), p95_ms: round(percentile(times, 95), 2), per_block_ms: round(mid / blocks, 4),
    target: null, met: true, rss_mb: rssMb(),
    samples: SAMPLES, messages, msgs_per_s: Math.round(messages / (mid / 1000)),
    delivered: outcome.delivered, reports: outcome.reports.length,
  };
}

function withTarget(w: OeeWorkload, targetMs: number, what: string): OeeWorkload {
  const rate = w.msgs_per_s >= 1e6 ? `${(w.msgs_per_s / 1e6).toFixed(2)} M msg/s` : `${(w.msgs_per_s / 1e3).toFixed(0)} k msg/s`;
  w.name += ` — ${rate}`;
  w.target = `< ${targetMs} ms for ${what}, ${w.reports} reports = truth: ${w.median_ms.toFixed(0)} ms`;
  w.met = w.median_ms < targetMs;
  return w;
}
