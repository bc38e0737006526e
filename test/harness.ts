// Runs blocks in the real engine on virtual time, for block tests.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AnyBlockDefinition, Message, SiteContext } from "../runtime/block.ts";
import { defineBlock } from "../runtime/block.ts";
import { VirtualClock } from "../runtime/clock.ts";
import { Engine, type EnginePlan, type LogLevel, type PlannedNode, type QueuePolicy } from "../runtime/engine.ts";
import { StateDatabase } from "../runtime/store.ts";

export interface HarnessNode {
  block: AnyBlockDefinition;
  config?: Record<string, unknown>;
  outputs: string[];
  queue?: QueuePolicy;
}

export interface HarnessRun {
  engine: Engine;
  clock: VirtualClock;
  dataDir: string;
  /** Messages received by the capture node, per `node.port` that sent them. */
  captured: Map<string, Message[]>;
  /** Every log line, from the blocks and the engine: `message` in English, `zh` in Chinese (the same for plain text). */
  logs: Array<{ level: LogLevel; node: string; message: string; zh: string }>;
  /** Sends a value into `node.port` as if an upstream node had emitted it. */
  send(target: string, value: unknown, ts?: number): void;
  /** Fires timers until `untilMs` (or until none remain), settling all work after each. */
  runUntil(untilMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const START = Date.UTC(2026, 0, 1);

/**
 * `nodes` by id; `edges` as "a.out -> b.in". Every output listed in `capture` ("node.port") is
 * wired to a capture node, and `send` goes through an injector node wired to the given input.
 */
export async function runInHarness(options: {
  nodes: Record<string, HarnessNode>;
  edges?: string[];
  capture?: string[];
  inject?: string[];
  startMs?: number;
  dataDir?: string;
  queue?: QueuePolicy;
  /** A clock of the test's own, e.g. a FollowingClock; a VirtualClock from startMs otherwise. */
  clock?: VirtualClock;
  /** Endpoints, cameras, calendar and secrets the blocks see as ctx.site. */
  site?: Omit<SiteContext, "dataDir">;
}): Promise<HarnessRun> {
  const clock = options.clock ?? new VirtualClock(options.startMs ?? START);
  const captured = new Map<string, Message[]>();
  const logs: HarnessRun["logs"] = [];
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "dengta-harness-"));
  const blocks: Record<string, AnyBlockDefinition> = {};
  const nodes: PlannedNode[] = [];
  const edges = (options.edges ?? []).map(parseEdge);

  const injectPorts = (options.inject ?? []).map((target, index) => ({ target, port: `p${index}` }));
  blocks["test.inject@1"] = defineBlock({});
  nodes.push({ id: "__inject", block: "test.inject@1", config: {}, outputs: injectPorts.map((p) => p.port) });
  for (const { target, port } of injectPorts) edges.push({ from: { node: "__inject", port }, ...toEnd(target) });

  for (const [id, node] of Object.entries(options.nodes)) {
    const key = `test.${id}@1`;
    blocks[key] = node.block;
    nodes.push({ id, block: key, config: node.config ?? {}, outputs: node.outputs, ...(node.queue ? { queue: node.queue } : {}) });
  }

  blocks["test.capture@1"] = defineBlock({
    onMessage(port, msg) {
      const list = captured.get(port) ?? [];
      list.push(msg);
      captured.set(port, list);
    },
  });
  nodes.push({ id: "__capture", block: "test.capture@1", config: {}, outputs: [] });
  for (const source of options.capture ?? []) {
    const [node, port] = source.split(".") as [string, string];
    edges.push({ from: { node, port }, to: { node: "__capture", port: source } });
  }

  const plan: EnginePlan = { nodes, edges, signals: {} };
  const states = new StateDatabase(join(dataDir, "dengta.db"));
  const engine = new Engine(plan, blocks, {
    clock,
    dataDir,
    log: (level, node, message) =>
      logs.push({ level, node, ...(typeof message === "string" ? { message, zh: message } : { message: message.en, zh: message["zh-CN"] }) }),
    openStore: (nodeId) => states.storeFor(nodeId),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(options.site === undefined ? {} : { site: options.site }),
  });
  await engine.start();

  return {
    engine, clock, dataDir, captured, logs,
    send(target, value, ts) {
      const entry = injectPorts.find((p) => p.target === target);
      if (entry === undefined) throw new Error(`${target} is not in inject`);
      engine.emitFrom("__inject", entry.port, value, ts === undefined ? undefined : { ts });
    },
    async runUntil(untilMs) {
      await engine.settled();
      while (clock.fireNext(untilMs)) await engine.settled();
      if (untilMs !== undefined) clock.moveTo(untilMs);
    },
    async stop() {
      await engine.stop();
      states.close();
    },
  };
}

function parseEdge(text: string) {
  const [from, to] = text.split("->").map((s) => s.trim()) as [string, string];
  const [fromNode, fromPort] = from.split(".") as [string, string];
  return { from: { node: fromNode, port: fromPort }, ...toEnd(to) };
}

function toEnd(text: string) {
  const [node, port] = text.split(".") as [string, string];
  return { to: { node, port } };
}
