// For the vision blocks' tests: blocks in the real engine on wall time, with the binding's
// cameras and endpoints as ctx.site (test/support/engine-with-site.ts gives no cameras).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineBlock, type AnyBlockDefinition, type LogText, type Message, type ResolvedSignal } from "../../../runtime/block.ts";
import { WallClock } from "../../../runtime/clock.ts";
import { Engine, type LogLevel, type PlannedEdge, type PlannedNode } from "../../../runtime/engine.ts";
import { StateDatabase } from "../../../runtime/store.ts";

export interface VisionRun {
  engine: Engine;
  dataDir: string;
  captured(port: string): Message[];
  logs: Array<{ level: LogLevel; node: string; en: string; zh: string }>;
  send(target: string, value: unknown, ts?: number): void;
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function runVision(options: {
  nodes: Record<string, { block: AnyBlockDefinition; config?: Record<string, unknown>; outputs: string[] }>;
  edges?: string[];
  capture?: string[];
  inject?: string[];
  cameras?: Record<string, Record<string, unknown>>;
  endpoints?: Record<string, Record<string, unknown>>;
  /** APP signals by name: where each lives (endpoint, nodeId). */
  signals?: Record<string, Record<string, unknown>>;
  dataDir?: string;
}): Promise<VisionRun> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "dengta-vision-"));
  const captured = new Map<string, Message[]>();
  const logs: VisionRun["logs"] = [];
  const blocks: Record<string, AnyBlockDefinition> = {};
  const nodes: PlannedNode[] = [];
  const edges: PlannedEdge[] = (options.edges ?? []).map((text) => {
    const [from, to] = text.split("->").map((s) => s.trim()) as [string, string];
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

  const states = new StateDatabase(join(dataDir, "dengta.db"));
  const signals: Record<string, ResolvedSignal> = {};
  for (const [name, binding] of Object.entries(options.signals ?? {})) signals[name] = { name, type: "any", direction: "in", binding };
  const engine = new Engine({ nodes, edges, signals }, blocks, {
    clock: new WallClock(),
    dataDir,
    log: (level, node, message) => logs.push({ level, node, ...words(message) }),
    openStore: (id) => states.storeFor(id),
    site: { endpoints: options.endpoints ?? {}, cameras: options.cameras ?? {}, secret: () => undefined },
  });
  await engine.start();
  return {
    engine, dataDir, logs,
    captured: (port) => captured.get(port) ?? [],
    send(target, value, ts) {
      const entry = inject.find((p) => p.target === target);
      if (entry === undefined) throw new Error(`${target} is not in inject`);
      engine.emitFrom("__inject", entry.port, value, ts === undefined ? undefined : { ts });
    },
    async waitFor(what, check, timeoutMs = 15_000) {
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
    },
    async stop() {
      await engine.stop();
      states.close();
    },
  };
}

function end(text: string) {
  const [node, port] = text.split(".") as [string, string];
  return { node, port };
}

function words(message: LogText): { en: string; zh: string } {
  return typeof message === "string" ? { en: message, zh: message } : { en: message.en, zh: message["zh-CN"] };
}
