import { defineBlock, type BlockContext } from "../../runtime/block.ts";
import { toReading, type Reading } from "../../runtime/opcua/data-value.ts";
import { monitoringParameters, type MonitoringOverrides } from "../../runtime/opcua/monitoring.ts";
import { endpointSession, signalPlace } from "../../runtime/opcua/shared.ts";

interface Config extends MonitoringOverrides {
  signal: string;
  edge?: "any" | "rising" | "falling";
}

interface State {
  last: boolean | undefined;
  warnedNotBoolean: boolean;
  stopMonitor?: () => Promise<void>;
  stopGaps?: () => void;
  stopState?: () => void;
}

type Ctx = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({ last: undefined, warnedNotBoolean: false }),

  start(ctx) {
    const place = signalPlace(ctx, ctx.config.signal);
    const session = endpointSession(ctx, place.endpoint);
    ctx.state.stopGaps = session.onGap((gap) => {
      ctx.metrics.count("gaps");
      ctx.metrics.gauge("lastGapMs", gap.durationMs);
    });
    // The session's state in /metrics: dengta_block_metric{name="sessionConnected"}.
    ctx.state.stopState = session.onState((online) => ctx.metrics.gauge("sessionConnected", online ? 1 : 0));
    ctx.state.stopMonitor = session.monitor({
      nodeId: place.nodeId,
      parameters: monitoringParameters(place, ctx.config, session.publishingMs),
      onValue: (dataValue) => deliver(ctx, toReading(dataValue, ctx.clock)),
      onError: (message) => ctx.log.error(message, { signal: place.signal }),
    });
  },

  async stop(ctx) {
    ctx.state.stopGaps?.();
    ctx.state.stopState?.();
    await ctx.state.stopMonitor?.();
  },
});

function deliver(ctx: Ctx, reading: Reading): void {
  if (reading.quality !== "good") ctx.metrics.count(reading.quality);
  if (!passesEdge(ctx, reading)) return;
  ctx.metrics.count("values");
  ctx.emit("out", reading.value, { ts: reading.ts, quality: reading.quality });
}

/** With an edge, only a good boolean that changed the right way passes; the first value is no edge. */
function passesEdge(ctx: Ctx, reading: Reading): boolean {
  const edge = ctx.config.edge ?? "any";
  if (edge === "any") return true;
  if (reading.quality !== "good") return false;
  if (typeof reading.value !== "boolean") {
    warnNotBoolean(ctx, reading.value);
    return false;
  }
  const before = ctx.state.last;
  ctx.state.last = reading.value;
  if (before === undefined || before === reading.value) return false;
  return edge === "rising" ? reading.value : !reading.value;
}

function warnNotBoolean(ctx: Ctx, value: unknown): void {
  if (ctx.state.warnedNotBoolean) return;
  ctx.state.warnedNotBoolean = true;
  ctx.log.warn({
    en: `edge '${ctx.config.edge}' needs a boolean signal, but '${ctx.config.signal}' sent ${typeof value}: nothing is sent`,
    "zh-CN": `边沿 '${ctx.config.edge}' 需要布尔信号，但 '${ctx.config.signal}' 发来的是 ${typeof value}：不输出任何消息`,
  });
}
