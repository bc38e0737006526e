import { AttributeIds, type DataType, type NodeId, type WriteValueOptions } from "node-opcua-client";
import { BlockError, defineBlock, type BlockContext, type Message, type TimerHandle } from "../../runtime/block.ts";
import { messageOf, NodeTarget, statusOf } from "../../runtime/opcua/node-target.ts";
import { toVariant } from "../../runtime/opcua/variant.ts";

interface Config {
  signal?: string;
  /** Written together, in this order, in one Write request: a PLC sees them arrive as one. */
  signals?: string[];
  pulseMs?: number;
  timeoutMs?: number;
}

interface Target {
  signal: string;
  node: NodeTarget;
  dataType?: DataType;
}

interface State {
  targets: Target[];
  reset?: TimerHandle;
}

type Ctx = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({ targets: [] }),

  start(ctx) {
    const names = ctx.config.signals ?? [ctx.config.signal!];
    ctx.state.targets = names.map((signal) => ({ signal, node: NodeTarget.forSignal(ctx, signal) }));
    const endpoints = new Set(ctx.state.targets.map((t) => t.node.place.endpoint));
    if (endpoints.size > 1) {
      throw new BlockError({
        en: `the signals ${names.join(", ")} are bound to different endpoints (${[...endpoints].join(", ")}): one write can only go to one server`,
        "zh-CN": `信号 ${names.join("、")} 绑定在不同的端点上（${[...endpoints].join("、")}）：一次写入只能发往一台服务器`,
      });
    }
  },

  async onMessage(_port, msg, ctx) {
    if (ctx.config.signals !== undefined) return writeTogether(ctx, msg);
    if (ctx.config.pulseMs === undefined) return report(ctx, msg, await write(ctx, [msg.value]));
    if (!msg.value) return;
    const status = await write(ctx, [true]);
    scheduleReset(ctx, ctx.config.pulseMs);
    report(ctx, msg, status);
  },

  async stop(ctx) {
    // The engine cancels timers when it stops: end a pulse now rather than leave the output on.
    if (ctx.state.reset === undefined) return;
    ctx.clock.clear(ctx.state.reset);
    ctx.state.reset = undefined;
    await write(ctx, [false]);
  },
});

/** An object with one value per configured signal, e.g. `{ rejectSerial: "M3-000123", reject: true }`. */
async function writeTogether(ctx: Ctx, msg: Message): Promise<void> {
  const names = ctx.config.signals!;
  const value = msg.value;
  const missing = typeof value === "object" && value !== null && !Array.isArray(value) ? names.filter((n) => !Object.hasOwn(value, n)) : names;
  if (missing.length > 0) {
    ctx.log.warn({
      en: `nothing written: the value must be an object with ${names.map((n) => `'${n}'`).join(", ")}; missing ${missing.join(", ")}`,
      "zh-CN": `未写入：输入值必须是包含 ${names.map((n) => `'${n}'`).join("、")} 的对象；缺少 ${missing.join("、")}`,
    }, { source: msg.source });
    ctx.metrics.count("invalid");
    return report(ctx, msg, "BadInvalidArgument");
  }
  const record = value as Record<string, unknown>;
  report(ctx, msg, await write(ctx, names.map((n) => record[n])));
}

/** A new pulse while one is on extends it: the reset comes pulseMs after the last one. */
function scheduleReset(ctx: Ctx, pulseMs: number): void {
  if (ctx.state.reset !== undefined) ctx.clock.clear(ctx.state.reset);
  ctx.state.reset = ctx.clock.setTimeout(() => {
    ctx.state.reset = undefined;
    void write(ctx, [false]);
  }, pulseMs);
}

/** Writes one value per target in a single Write request; the status is the first bad one, else Good. */
async function write(ctx: Ctx, values: unknown[]): Promise<string> {
  const targets = ctx.state.targets;
  try {
    const nodes = await Promise.all(targets.map((t) => t.node.ready(ctx.config.timeoutMs ?? 5000)));
    const session = nodes[0]!.session;
    const requests = await Promise.all(targets.map(async (t, i) => {
      t.dataType ??= await session.getBuiltInDataType(nodes[i]!.nodeId);
      return valueWrite(nodes[i]!.nodeId, values[i], t.dataType);
    }));
    const codes = await session.write(requests);
    codes.forEach((code, i) => {
      if (!code.isGood()) warn(ctx, targets[i]!.signal, values[i], code.name);
    });
    const bad = codes.find((code) => !code.isGood());
    ctx.metrics.count(bad ? "failed" : "written");
    return bad?.name ?? "Good";
  } catch (error) {
    warn(ctx, targets.map((t) => t.signal).join(", "), values.length === 1 ? values[0] : values, messageOf(error));
    ctx.metrics.count("failed");
    return statusOf(error);
  }
}

function valueWrite(nodeId: NodeId, value: unknown, dataType: DataType): WriteValueOptions {
  return { nodeId, attributeId: AttributeIds.Value, value: { value: toVariant(value, dataType) } };
}

function report(ctx: Ctx, msg: Message, status: string): void {
  ctx.emit("done", { ok: status === "Good", status }, { ts: msg.ts, quality: status === "Good" ? "good" : "bad" });
}

function warn(ctx: Ctx, signal: string, value: unknown, reason: string): void {
  ctx.log.warn({ en: `writing ${JSON.stringify(value)} to '${signal}' failed: ${reason}`, "zh-CN": `向 '${signal}' 写入 ${JSON.stringify(value)} 失败：${reason}` }, { signal });
}
