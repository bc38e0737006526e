import { AttributeIds, type DataType } from "node-opcua-client";
import { defineBlock, type BlockContext, type Message, type TimerHandle } from "../../runtime/block.ts";
import { messageOf, NodeTarget, statusOf } from "../../runtime/opcua/node-target.ts";
import { toVariant } from "../../runtime/opcua/variant.ts";

interface Config {
  signal: string;
  pulseMs?: number;
  timeoutMs?: number;
}

interface State {
  target?: NodeTarget;
  dataType?: DataType;
  reset?: TimerHandle;
}

type Ctx = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({}),

  start(ctx) {
    ctx.state.target = NodeTarget.forSignal(ctx, ctx.config.signal);
  },

  async onMessage(_port, msg, ctx) {
    if (ctx.config.pulseMs === undefined) return report(ctx, msg, await write(ctx, msg.value));
    if (!msg.value) return;
    const status = await write(ctx, true);
    scheduleReset(ctx, ctx.config.pulseMs);
    report(ctx, msg, status);
  },

  async stop(ctx) {
    // The engine cancels timers when it stops: end a pulse now rather than leave the output on.
    if (ctx.state.reset === undefined) return;
    ctx.clock.clear(ctx.state.reset);
    ctx.state.reset = undefined;
    await write(ctx, false);
  },
});

/** A new pulse while one is on extends it: the reset comes pulseMs after the last one. */
function scheduleReset(ctx: Ctx, pulseMs: number): void {
  if (ctx.state.reset !== undefined) ctx.clock.clear(ctx.state.reset);
  ctx.state.reset = ctx.clock.setTimeout(() => {
    ctx.state.reset = undefined;
    void write(ctx, false);
  }, pulseMs);
}

async function write(ctx: Ctx, value: unknown): Promise<string> {
  try {
    const { session, nodeId } = await ctx.state.target!.ready(ctx.config.timeoutMs ?? 5000);
    ctx.state.dataType ??= await session.getBuiltInDataType(nodeId);
    const status = await session.write({ nodeId, attributeId: AttributeIds.Value, value: { value: toVariant(value, ctx.state.dataType) } });
    if (!status.isGood()) warn(ctx, value, status.name);
    ctx.metrics.count(status.isGood() ? "written" : "failed");
    return status.name;
  } catch (error) {
    warn(ctx, value, messageOf(error));
    ctx.metrics.count("failed");
    return statusOf(error);
  }
}

function report(ctx: Ctx, msg: Message, status: string): void {
  ctx.emit("done", { ok: status === "Good", status }, { ts: msg.ts, quality: status === "Good" ? "good" : "bad" });
}

function warn(ctx: Ctx, value: unknown, reason: string): void {
  const signal = ctx.config.signal;
  ctx.log.warn({ en: `writing ${JSON.stringify(value)} to '${signal}' failed: ${reason}`, "zh-CN": `向 '${signal}' 写入 ${JSON.stringify(value)} 失败：${reason}` }, { signal });
}
