import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { Engine, NodeStats } from "../engine.ts";

/**
 * The engine's figures in Prometheus form, read when scraped: per node messages in/out, errors,
 * dropped, queue depth; every ctx.metrics figure of a block (OPC UA session state, outbox depth
 * and bytes…); and the process's own (memory, CPU, event loop lag).
 */
export function engineMetrics(engine: Engine, blocks: Record<string, string>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "dengta_" });
  const counter = (name: string, help: string, pick: (s: NodeStats) => number) => totals(registry, engine, blocks, name, help, pick);
  counter("dengta_block_messages_in_total", "Messages delivered to the node", (s) => s.in);
  counter("dengta_block_messages_out_total", "Messages the node emitted", (s) => s.out);
  counter("dengta_block_errors_total", "Messages the node failed on", (s) => s.errors);
  counter("dengta_block_dropped_total", "Messages lost to the node's full queue", (s) => s.dropped);
  new Gauge({
    name: "dengta_block_queue_depth", help: "Messages waiting for the node", labelNames: ["node", "block"], registers: [registry],
    collect() {
      for (const [node, stats] of Object.entries(engine.stats())) this.set({ node, block: blocks[node] ?? "" }, stats.queued);
    },
  });
  new Gauge({
    name: "dengta_block_metric", help: "A figure a block reports through ctx.metrics", labelNames: ["node", "name"], registers: [registry],
    collect() {
      for (const [key, value] of Object.entries(engine.counters())) {
        const dot = key.indexOf(".");
        this.set({ node: key.slice(0, dot), name: key.slice(dot + 1) }, value);
      }
    },
  });
  return registry;
}

/** A Prometheus counter fed from the engine's running totals when scraped. */
function totals(registry: Registry, engine: Engine, blocks: Record<string, string>, name: string, help: string, pick: (s: NodeStats) => number): void {
  const reported = new Map<string, number>();
  new Counter({
    name, help, labelNames: ["node", "block"], registers: [registry],
    collect() {
      for (const [node, stats] of Object.entries(engine.stats())) {
        const now = pick(stats);
        const delta = now - (reported.get(node) ?? 0);
        if (delta > 0) this.inc({ node, block: blocks[node] ?? "" }, delta);
        else if (!reported.has(node)) this.inc({ node, block: blocks[node] ?? "" }, 0);
        reported.set(node, now);
      }
    },
  });
}
