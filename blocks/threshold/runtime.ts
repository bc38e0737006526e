import { defineBlock } from "../../runtime/block.ts";

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
    const value = msg.value;
    if (typeof value !== "number" || Number.isNaN(value)) {
      const shown = describeValue(value);
      ctx.log.warn({ en: `ignored a value that is not a number: ${shown}`, "zh-CN": `忽略了非数值的输入：${shown}` }, { source: msg.source });
      ctx.metrics.count("invalid");
      return;
    }
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

function describeValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (value === null) return "null";
  return typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : typeof value;
}
