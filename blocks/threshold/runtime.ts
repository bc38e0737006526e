import { defineBlock, numberIn } from "../../runtime/block.ts";

interface Config {
  limit: number;
  direction?: "above" | "below";
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
    const beyond = isBeyond(value, limit, ctx.config.direction ?? "above");
    const options = { ts: msg.ts, quality: msg.quality };
    ctx.emit("out", beyond, options);
    if (beyond === ctx.state.raised) return;
    ctx.state.raised = beyond;
    ctx.log.info(beyond ? { en: "alarm raised", "zh-CN": "报警触发" } : { en: "alarm cleared", "zh-CN": "报警解除" }, { value, limit });
    ctx.emit("alarm", { state: beyond ? "raised" : "cleared", value, limit }, options);
  },
});

function isBeyond(value: number, limit: number, direction: "above" | "below"): boolean {
  return direction === "above" ? value > limit : value < limit;
}

