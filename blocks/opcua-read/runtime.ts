import { AttributeIds } from "node-opcua-client";
import { defineBlock, type BlockContext } from "../../runtime/block.ts";
import { toReading } from "../../runtime/opcua/data-value.ts";
import { messageOf, NodeTarget } from "../../runtime/opcua/node-target.ts";

interface Config {
  signal: string;
  intervalMs?: number;
  timeoutMs?: number;
}

interface State {
  target?: NodeTarget;
  polling: boolean;
}

type Ctx = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({ polling: false }),

  start(ctx) {
    ctx.state.target = NodeTarget.forSignal(ctx, ctx.config.signal);
    if (ctx.config.intervalMs !== undefined) ctx.clock.setInterval(() => void poll(ctx), ctx.config.intervalMs);
  },

  onMessage(_port, _msg, ctx) {
    return read(ctx, ctx.config.timeoutMs ?? 5000);
  },
});

/** A poll never waits for the connection, and a slow read is not overtaken by the next poll. */
async function poll(ctx: Ctx): Promise<void> {
  if (ctx.state.polling || !ctx.state.target!.session.isOnline()) {
    ctx.metrics.count("skipped");
    return;
  }
  ctx.state.polling = true;
  try {
    await read(ctx, 0);
  } finally {
    ctx.state.polling = false;
  }
}

async function read(ctx: Ctx, timeoutMs: number): Promise<void> {
  try {
    const { session, nodeId } = await ctx.state.target!.ready(timeoutMs);
    const dataValue = await session.read({ nodeId, attributeId: AttributeIds.Value }, 0);
    const reading = toReading(dataValue, ctx.clock);
    ctx.metrics.count("reads");
    ctx.emit("out", reading.value, { ts: reading.ts, quality: reading.quality });
  } catch (error) {
    ctx.metrics.count("failed");
    const signal = ctx.config.signal;
    ctx.log.warn({ en: `reading '${signal}' failed: ${messageOf(error)}`, "zh-CN": `读取 '${signal}' 失败：${messageOf(error)}` }, { signal });
  }
}
