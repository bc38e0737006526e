// Runs blocks in the real engine on wall time with a site (endpoints, cameras, secrets) and signals, for
// I/O blocks that talk to real servers. test/harness.ts stays the virtual-time harness.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AnyBlockDefinition, LogText, Message, ResolvedSignal } from "../../runtime/block.ts";
import { defineBlock } from "../../runtime/block.ts";
import { WallClock } from "../../runtime/clock.ts";
import { Engine, type LogLevel, type PlannedEdge, type PlannedNode } from "../../runtime/engine.ts";
import { StateDatabase } from "../../runtime/store.ts";

export interface SiteNode {
  block: AnyBlockDefinition;
  config?: Record<string, unknown>;
  outputs: string[];
}

export interface LogLine {
  level: LogLevel;
  node: string;
  en: string;
  zh: string;
  fields: Record<string, unknown> | undefined;
}

export interface SiteRun {
  engine: Engine;
  dataDir: string;
  captured(port: string): Message[];
  logs: LogLine[];
  send(target: string, value: unknown): void;
  /** Resolves once `check` holds, polling every few ms; fails with `what` after `timeoutMs`. */
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function runWithSite(options: {
  nodes: Record<string, SiteNode>;
  capture?: string[];
  inject?: string[];
  /** Edges between the nodes, as an APP writes them: "a.out -> b.in". */
  edges?: string[];
  signals?: Record<string, { type?: string; direction?: ResolvedSignal["direction"]; binding: Record<string, unknown> }>;
  endpoints?: Record<string, Record<string, unknown>>;
  cameras?: Record<string, Record<string, unknown>>;
  secrets?: Record<string, string>;
  dataDir?: string;
}): Promise<SiteRun> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "dengta-site-"));
  const captured = new Map<string, Message[]>();
  const logs: LogLine[] = [];
  const blocks: Record<string, AnyBlockDefinition> = {};
  const nodes: PlannedNode[] = [];
  const edges: PlannedEdge[] = (options.edges ?? []).map((text) => {
    const [from, to] = text.split("->").map((part) => part.trim()) as [string, string];
    return { from: end(from), to: end(to) };
  });
  const inject = (options.inject ?? []).map((target, index) => ({ target, port: `p${index}` }));

  blocks["test.inject@1"] = defineBlock({});
  nodes.push({ id: "__inject", block: "test.inject@1", config: {}, outputs: inject.map((p) => p.port) });
  for (const { target, port } of inject) edges.push({ from: { node: "__inject", port }, to: end(target) });
  for (const [id, node] of Object.entries(options.nodes)) {
    blocks[`test.${id}@1`] = node.block;
    nodes.push({ id, block: `test.${id}@1`, config: node.config ?? {}, outputs: node.outputs });
  }
  blocks["test.capture@1"] = defineBlock({
    onMessage(port, msg) {
      captured.set(port, [...(captured.get(port) ?? []), msg]);
    },
  });
  nodes.push({ id: "__capture", block: "test.capture@1", config: {}, outputs: [] });
  for (const source of options.capture ?? []) edges.push({ from: end(source), to: { node: "__capture", port: source } });

  const signals: Record<string, ResolvedSignal> = {};
  for (const [name, s] of Object.entries(options.signals ?? {})) {
    signals[name] = { name, type: s.type ?? "any", direction: s.direction ?? "in", binding: s.binding };
  }
  const states = new StateDatabase(join(dataDir, "dengta.db"));
  const secrets = options.secrets ?? {};
  const engine = new Engine({ nodes, edges, signals }, blocks, {
    clock: new WallClock(),
    dataDir,
    log: (level, node, message, fields) => logs.push({ level, node, ...words(message), fields }),
    openStore: (id) => states.storeFor(id),
    site: { endpoints: options.endpoints ?? {}, cameras: options.cameras ?? {}, secret: (name) => secrets[name] },
  });
  await engine.start();
  return {
    engine, dataDir, logs,
    captured: (port) => captured.get(port) ?? [],
    send(target, value) {
      const entry = inject.find((p) => p.target === target);
      if (entry === undefined) throw new Error(`${target} is not in inject`);
      engine.emitFrom("__inject", entry.port, value);
    },
    waitFor: (what, check, timeoutMs = 15_000) => waitFor(what, check, timeoutMs, logs),
    async stop() {
      await engine.stop();
      states.close();
    },
  };
}

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs: number, logs: LogLine[]): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) {
      const recent = logs.slice(-8).map((l) => `  ${l.level} ${l.node}: ${l.en}`).join("\n");
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last log lines:\n${recent}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function words(message: LogText): { en: string; zh: string } {
  return typeof message === "string" ? { en: message, zh: message } : { en: message.en, zh: message["zh-CN"] };
}

function end(text: string) {
  const [node, port] = text.split(".") as [string, string];
  return { node, port };
}
