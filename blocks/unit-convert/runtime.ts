import { defineBlock, numberIn, type EmitOptions, type Quality } from "../../runtime/block.ts";
import { DIMENSION_NAMES, UNITS } from "./units.ts";

interface Config {
  from?: string;
  to?: string;
  scale?: number;
  offset?: number;
  decimals?: number;
}

/**
 * y = ((x × scale + offset + pre) × mul ÷ div − post), then rounded; worked out once in start()
 * so onMessage is a few multiplications. `options` is reused for every emit: the engine reads it
 * synchronously and keeps nothing of it, so the only allocation per message is the engine's own.
 */
interface State {
  scale: number;
  offset: number;
  pre: number;
  mul: number;
  div: number;
  post: number;
  /** 10^decimals, or 0 for no rounding. */
  round: number;
  options: { ts: number; quality: Quality };
}

export default defineBlock<Config, State>({
  createState: () => ({ scale: 1, offset: 0, pre: 0, mul: 1, div: 1, post: 0, round: 0, options: { ts: 0, quality: "good" } }),

  start(ctx) {
    const { from, to, scale = 1, offset = 0, decimals } = ctx.config;
    const state = ctx.state;
    state.scale = scale;
    state.offset = offset;
    state.round = decimals === undefined ? 0 : 10 ** decimals;
    if (from === undefined && to === undefined) return;
    if (from === undefined || to === undefined) {
      throw new Error(`set both 'from' and 'to', or neither / 'from' 与 'to' 需同时设置或都不设置`);
    }
    const source = UNITS[from];
    const target = UNITS[to];
    if (source === undefined || target === undefined) {
      const bad = source === undefined ? from : to;
      throw new Error(`unknown unit '${bad}' / 未知单位 '${bad}'`);
    }
    if (source.dimension !== target.dimension) {
      const a = DIMENSION_NAMES[source.dimension];
      const b = DIMENSION_NAMES[target.dimension];
      throw new Error(
        `cannot convert ${from} (${a.en}) to ${to} (${b.en}) / 无法将 ${from}（${a.zh}）换算为 ${to}（${b.zh}）`,
      );
    }
    state.pre = source.pre;
    state.mul = source.num * target.den;
    state.div = source.den * target.num;
    state.post = target.pre;
  },

  onMessage(_port, msg, ctx) {
    const value = numberIn(msg, ctx, true);
    if (value === undefined) return;
    const s = ctx.state;
    let y = ((value * s.scale + s.offset + s.pre) * s.mul) / s.div - s.post;
    if (s.round !== 0) y = roundHalfAway(y, s.round);
    const options = s.options;
    options.ts = msg.ts;
    options.quality = msg.quality;
    ctx.emit("out", y, options as EmitOptions);
  },
});

/** Half away from zero, like a panel display: 2.5 → 3, −2.5 → −3. */
function roundHalfAway(y: number, factor: number): number {
  // The nudge of one part in 2^52 rounds 1.005 (stored as 1.00499999999999989…) to 1.01, as written.
  const scaled = Math.abs(y) * factor;
  const r = Math.round(scaled + scaled * Number.EPSILON) / factor;
  return y < 0 && r !== 0 ? -r : r;
}

