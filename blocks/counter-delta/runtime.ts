import { defineBlock, goodNumberIn, type EmitOptions, type Quality } from "../../runtime/block.ts";

interface Config {
  max?: number;
  rolloverThreshold?: number;
  emitFirst?: boolean;
}

interface State {
  /** The last counter value, mirrored in ctx.store under LAST; undefined before the first. */
  last: number | undefined;
  options: { ts: number; quality: Quality };
}

const LAST = "last";
const DEFAULT_MAX = 4294967295;

export default defineBlock<Config, State>({
  createState: () => ({ last: undefined, options: { ts: 0, quality: "good" } }),

  start(ctx) {
    const stored = ctx.store.get<number>(LAST);
    const max = ctx.config.max ?? DEFAULT_MAX;
    if (typeof stored === "number" && Number.isInteger(stored) && stored >= 0 && stored <= max) {
      ctx.state.last = stored;
    } else if (stored !== undefined) {
      ctx.log.warn({ en: `the stored counter value ${JSON.stringify(stored)} does not fit max ${max}: the next value sets a new base`, "zh-CN": `已保存的计数值 ${JSON.stringify(stored)} 超出最大值 ${max}：下一个值作为新基准` });
      ctx.store.delete(LAST);
    }
  },

  onMessage(_port, msg, ctx) {
    const value = goodNumberIn(msg, ctx);
    if (value === undefined) return;
    const max = ctx.config.max ?? DEFAULT_MAX;
    if (!Number.isInteger(value) || value < 0 || value > max) {
      ctx.log.warn({ en: `ignored a counter value that is not a whole number from 0 to ${max}: ${value}`, "zh-CN": `忽略了不在 0 到 ${max} 之间的整数计数值：${value}` }, { source: msg.source });
      ctx.metrics.count("invalid");
      return;
    }
    const s = ctx.state;
    const previous = s.last;
    s.last = value;
    ctx.store.set(LAST, value);
    const options = s.options;
    options.ts = msg.ts;
    options.quality = msg.quality;

    if (previous === undefined) {
      if (ctx.config.emitFirst === true) ctx.emit("out", 0, options as EmitOptions);
      return;
    }
    let delta: number;
    if (value >= previous) {
      delta = value - previous;
    } else if (previous - value > (ctx.config.rolloverThreshold ?? 0.5) * max) {
      delta = max - previous + value + 1;
      ctx.metrics.count("rollovers");
    } else {
      delta = value;
      ctx.metrics.count("resets");
      ctx.log.warn({ en: `counter went back from ${previous} to ${value}: taken as a reset, counting ${value}`, "zh-CN": `计数从 ${previous} 回退到 ${value}：视为清零，计入 ${value}` }, { source: msg.source });
    }
    ctx.emit("out", delta, options as EmitOptions);
  },
});
