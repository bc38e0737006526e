import { defineBlock, numberIn } from "../../runtime/block.ts";

interface Config {
  limit: number;
  direction?: "above" | "below";
  hysteresis?: number;
}

interface State {
  raised: boolean;
}

export default defineBlock<Config, State>({
  createState: () => ({ raised: false }),

  onMessage(_port, msg, ctx) {
    const value = numberIn(msg, ctx);
    if (value === undefined) return;
    const { limit } = ctx.config;
    const beyond = staysBeyond(ctx.state.raised, value, limit, ctx.config.direction ?? "above", ctx.config.hysteresis ?? 0);
    const options = { ts: msg.ts, quality: msg.quality };
    ctx.emit("out", beyond, options);
    if (beyond === ctx.state.raised) return;
    ctx.state.raised = beyond;
    ctx.log.info(beyond ? { en: "alarm raised", "zh-CN": "报警触发" } : { en: "alarm cleared", "zh-CN": "报警解除" }, { value, limit });
    ctx.emit("alarm", { state: beyond ? "raised" : "cleared", value, limit }, options);
  },
});

/** Raised past the limit; once raised, cleared only back past the limit less the hysteresis band, so noise at the limit does not chatter. */
function staysBeyond(raised: boolean, value: number, limit: number, direction: "above" | "below", band: number): boolean {
  const edge = raised ? (direction === "above" ? limit - band : limit + band) : limit;
  return direction === "above" ? value > edge : value < edge;
}

