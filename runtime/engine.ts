import type {
  AnyBlockDefinition, BlockContext, BlockDefinition, BlockStore, EmitOptions, Log, LogText, Message, Metrics, ResolvedSignal, SiteContext,
} from "./block.ts";
import { BlockError } from "./block.ts";
import type { EngineClock } from "./clock.ts";
import { mkdirSync } from "node:fs";
import { ReadOnlyMessage } from "./message.ts";
import { join } from "node:path";

export type OverflowPolicy = "block" | "drop-oldest" | "drop-newest";

/** How many messages a busy asynchronous node may hold, and what happens to one more. */
export interface QueuePolicy {
  size: number;
  /** block: keep it and hold back upstream asynchronous nodes until there is room. */
  overflow: OverflowPolicy;
}

export const DEFAULT_QUEUE: QueuePolicy = { size: 1000, overflow: "drop-oldest" };

/** One node of the APP as the engine runs it: block already resolved, config already final. */
export interface PlannedNode {
  id: string;
  /** `id@major` of the block, the key into the block table. */
  block: string;
  config: Record<string, unknown>;
  outputs: string[];
  queue?: QueuePolicy;
}

export interface PlannedEdge {
  from: { node: string; port: string };
  to: { node: string; port: string };
}

export interface EnginePlan {
  /** In topological order: every edge goes from an earlier node to a later one. */
  nodes: PlannedNode[];
  edges: PlannedEdge[];
  signals: Record<string, ResolvedSignal>;
}

export type LogLevel = "info" | "warn" | "error";
export type LogSink = (level: LogLevel, node: string, message: LogText, fields?: Record<string, unknown>) => void;

export interface EngineOptions {
  clock: EngineClock;
  log: LogSink;
  dataDir: string;
  openStore: (nodeId: string) => BlockStore;
  /** The queue of nodes whose plan names none. */
  queue?: QueuePolicy;
  /** Endpoints, cameras and secrets; none when the APP does no I/O. */
  site?: Omit<SiteContext, "dataDir">;
}

export interface NodeStats {
  in: number;
  out: number;
  errors: number;
  /** Messages lost to a full queue (drop-oldest, drop-newest). */
  dropped: number;
  /** Messages queued beyond the limit while upstream was held back (block). */
  overLimit: number;
  queued: number;
  last: unknown;
}

type AnyBlock = BlockDefinition<Record<string, unknown>, unknown>;

interface Runner {
  node: PlannedNode;
  definition: AnyBlock;
  ctx: BlockContext<Record<string, unknown>, unknown>;
  targets: Map<string, Array<{ runner: Runner; port: string }>>;
  queue: Array<{ port: string; msg: Message }>;
  policy: QueuePolicy;
  busy: boolean;
  /** Upstream nodes waiting for room in this node's queue before they take their next message. */
  waiting: Set<Runner>;
  stats: NodeStats;
  counters: Map<string, number>;
}

export class Engine {
  private readonly runners = new Map<string, Runner>();
  private readonly order: Runner[] = [];
  private inFlight = 0;
  /** How deep the engine is in synchronous onMessage calls; 0 when a source emits on its own. */
  private depth = 0;
  private settleWaiters: Array<() => void> = [];
  private stopping: Promise<void> | undefined;
  private readonly resources = new Map<string, { value: unknown; close: (value: never) => void | Promise<void> }>();
  private readonly site: SiteContext;

  constructor(plan: EnginePlan, blocks: Readonly<Record<string, AnyBlockDefinition>>, private readonly options: EngineOptions) {
    this.site = Object.freeze({ endpoints: {}, cameras: {}, secret: () => undefined, ...options.site, dataDir: options.dataDir });
    for (const node of plan.nodes) {
      const definition = blocks[node.block] as AnyBlock | undefined;
      if (definition === undefined) throw new Error(`block ${node.block} is not in this bundle`);
      const runner = this.makeRunner(node, definition, plan.signals);
      this.runners.set(node.id, runner);
      this.order.push(runner);
    }
    for (const edge of plan.edges) this.connect(edge);
  }

  /** Starts blocks downstream first, so nothing is emitted to a block that is not ready. */
  async start(): Promise<void> {
    for (const runner of [...this.order].reverse()) {
      await runner.definition.start?.(runner.ctx);
    }
  }

  /** Resolves once no block is busy and every queue is empty. */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  /** Nothing scheduled and nothing in flight: the APP has no more work of its own. */
  isIdle(): boolean {
    return this.inFlight === 0 && this.options.clock.pendingTimers() === 0;
  }

  /** Stops sources first and lets what they sent drain before stopping what is downstream. */
  stop(): Promise<void> {
    this.stopping ??= this.stopInOrder();
    return this.stopping;
  }

  /** Emits as if node `nodeId` had: how tests and replays feed an APP from outside. */
  emitFrom(nodeId: string, port: string, value: unknown, options?: EmitOptions): void {
    const runner = this.runners.get(nodeId);
    if (runner === undefined) throw new Error(`no node '${nodeId}'`);
    this.emit(runner, port, value, options);
  }

  stats(): Record<string, NodeStats> {
    const result: Record<string, NodeStats> = {};
    for (const runner of this.order) result[runner.node.id] = { ...runner.stats, queued: runner.queue.length };
    return result;
  }

  counters(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const runner of this.order) {
      for (const [name, value] of runner.counters) result[`${runner.node.id}.${name}`] = value;
    }
    return result;
  }

  private async stopInOrder(): Promise<void> {
    this.options.clock.clearAll();
    await this.settled();
    for (const runner of this.order) {
      try {
        await runner.definition.stop?.(runner.ctx);
      } catch (error) {
        this.options.log("error", runner.node.id, { en: `stop failed: ${describe(error)}`, "zh-CN": `停止失败：${describe(error)}` });
      }
      await this.settled();
    }
    for (const [key, resource] of [...this.resources].reverse()) {
      try {
        await resource.close(resource.value as never);
      } catch (error) {
        this.options.log("error", "engine", { en: `closing ${key} failed: ${describe(error)}`, "zh-CN": `关闭 ${key} 失败：${describe(error)}` });
      }
    }
    this.resources.clear();
  }

  private shared<T>(key: string, open: () => T, close: (value: T) => void | Promise<void>): T {
    const existing = this.resources.get(key);
    if (existing) return existing.value as T;
    const value = open();
    this.resources.set(key, { value, close: close as (value: never) => void | Promise<void> });
    return value;
  }

  private makeRunner(node: PlannedNode, definition: AnyBlock, signals: Record<string, ResolvedSignal>): Runner {
    const runner = {
      node, definition, targets: new Map(), queue: [], busy: false, waiting: new Set(),
      policy: node.queue ?? this.options.queue ?? DEFAULT_QUEUE,
      stats: { in: 0, out: 0, errors: 0, dropped: 0, overLimit: 0, queued: 0, last: undefined },
      counters: new Map<string, number>(),
    } as unknown as Runner;
    const state = definition.createState?.(node.config);
    runner.ctx = Object.freeze({
      nodeId: node.id,
      config: node.config,
      state,
      emit: (port: string, value: unknown, options?: EmitOptions) => this.emit(runner, port, value, options),
      clock: this.options.clock,
      store: lazyStore(() => this.options.openStore(node.id)),
      log: this.makeLog(node.id),
      metrics: makeMetrics(runner.counters),
      signals,
      site: this.site,
      shared: <T>(key: string, open: () => T, close: (value: T) => void | Promise<void>) => this.shared(key, open, close),
      dataDir: () => ensureDir(join(this.options.dataDir, node.id)),
    });
    return runner;
  }

  private connect(edge: PlannedEdge): void {
    const from = this.runners.get(edge.from.node);
    const to = this.runners.get(edge.to.node);
    if (from === undefined || to === undefined) throw new Error(`edge ${edge.from.node} -> ${edge.to.node} names a missing node`);
    const list = from.targets.get(edge.from.port) ?? [];
    list.push({ runner: to, port: edge.to.port });
    from.targets.set(edge.from.port, list);
  }

  private emit(runner: Runner, port: string, value: unknown, options: EmitOptions | undefined): void {
    const targets = runner.targets.get(port);
    if (targets === undefined && !runner.node.outputs.includes(port)) {
      throw new Error(`${runner.node.block} has no output port '${port}'`);
    }
    // A source's timestamp moves a following clock, firing timers due before it first; never
    // from inside onMessage, where a timer of the very block running would re-enter it.
    if (options?.ts !== undefined && this.depth === 0) this.options.clock.observe?.(options.ts);
    const shared = typeof value === "object" && value !== null ? freezeShallow(value) : value;
    const msg = new ReadOnlyMessage(shared, options?.ts ?? this.options.clock.now(), options?.quality ?? "good", runner.node.id);
    runner.stats.out++;
    runner.stats.last = shared;
    if (targets === undefined) return;
    for (let i = 0; i < targets.length; i++) this.deliver(targets[i]!.runner, targets[i]!.port, msg);
  }

  private deliver(runner: Runner, port: string, msg: Message): void {
    runner.stats.in++;
    if (!runner.busy) {
      this.invoke(runner, port, msg);
      return;
    }
    if (runner.queue.length < runner.policy.size) {
      runner.queue.push({ port, msg });
      return;
    }
    switch (runner.policy.overflow) {
      case "drop-newest":
        runner.stats.dropped++;
        return;
      case "drop-oldest":
        runner.queue.shift();
        runner.stats.dropped++;
        runner.queue.push({ port, msg });
        return;
      case "block":
        runner.stats.overLimit++;
        runner.queue.push({ port, msg });
    }
  }

  private invoke(runner: Runner, port: string, msg: Message): void {
    let result: void | Promise<void>;
    this.depth++;
    try {
      result = runner.definition.onMessage?.(port, msg, runner.ctx);
    } catch (error) {
      this.fail(runner, port, msg, error);
      return;
    } finally {
      this.depth--;
    }
    if (result === undefined || typeof (result as Promise<void>).then !== "function") return;
    runner.busy = true;
    this.inFlight++;
    result.then(
      () => this.finishAsync(runner),
      (error: unknown) => {
        this.fail(runner, port, msg, error);
        this.finishAsync(runner);
      },
    );
  }

  private finishAsync(runner: Runner): void {
    runner.busy = false;
    this.inFlight--;
    this.takeNext(runner);
    if (runner.queue.length < runner.policy.size && runner.waiting.size > 0) {
      const waiting = [...runner.waiting];
      runner.waiting.clear();
      for (const upstream of waiting) this.takeNext(upstream);
    }
    if (this.inFlight === 0) {
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * Starts the node's queued messages until one is in flight (asynchronous) or the queue is empty,
   * unless a full "block" queue downstream holds them back. A message handled synchronously does
   * not end the turn: the next one starts at once.
   */
  private takeNext(runner: Runner): void {
    while (!runner.busy && runner.queue.length > 0) {
      const full = this.fullBlockingTarget(runner);
      if (full !== undefined) {
        full.waiting.add(runner);
        return;
      }
      const next = runner.queue.shift()!;
      this.invoke(runner, next.port, next.msg);
    }
  }

  private fullBlockingTarget(runner: Runner): Runner | undefined {
    for (const list of runner.targets.values()) {
      for (const { runner: target } of list) {
        if (target.policy.overflow === "block" && target.queue.length >= target.policy.size) return target;
      }
    }
    return undefined;
  }

  /** A failing block is isolated: logged, counted, and reported on its `error` port if it has one. */
  private fail(runner: Runner, port: string, msg: Message, error: unknown): void {
    runner.stats.errors++;
    this.options.log("error", runner.node.id, { en: `failed on '${port}': ${describe(error)}`, "zh-CN": `处理 '${port}' 时出错：${describeZh(error)}` });
    if (runner.node.outputs.includes("error") && (runner.targets.get("error")?.length ?? 0) > 0) {
      this.emit(runner, "error", { message: describe(error), port, input: msg.value }, { ts: msg.ts, quality: "bad" });
    }
  }

  private makeLog(nodeId: string): Log {
    const sink = this.options.log;
    return {
      info: (message, fields) => sink("info", nodeId, message, fields),
      warn: (message, fields) => sink("warn", nodeId, message, fields),
      error: (message, fields) => sink("error", nodeId, message, fields),
    };
  }
}

function makeMetrics(counters: Map<string, number>): Metrics {
  return {
    count: (name, by = 1) => counters.set(name, (counters.get(name) ?? 0) + by),
    gauge: (name, value) => counters.set(name, value),
  };
}

function lazyStore(open: () => BlockStore): BlockStore {
  let store: BlockStore | undefined;
  const get = () => (store ??= open());
  return {
    get: (key) => get().get(key),
    set: (key, value) => get().set(key, value),
    delete: (key) => get().delete(key),
  };
}

function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

function freezeShallow(value: unknown): unknown {
  // Typed arrays (image buffers) cannot be frozen; they travel by reference as they are.
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return value;
  return Object.freeze(value);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The Chinese wording of a failure: a BlockError's own, else the English message. */
function describeZh(error: unknown): string {
  return error instanceof BlockError ? error.text["zh-CN"] : describe(error);
}
