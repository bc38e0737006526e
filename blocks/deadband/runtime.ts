import { defineBlock, numberIn, type EmitOptions, type Quality } from "../../runtime/block.ts";

interface Config {
  kind?: "absolute" | "percent";
  value: number;
  maxSilenceMs?: number;
}

interface State {
  /** False until the first value has passed. */
  passedAny: boolean;
  last: number;
  lastTs: number;
  lastQuality: Quality;
  /** `value` as a fraction (percent ÷ 100) or an absolute band. */
  band: number;
  percent: boolean;
  maxSilenceMs: number;
  /** Reused for every emit: the engine reads it synchronously and keeps nothing of it. */
  options: { ts: number; quality: Quality };
}

export default defineBlock<Config, State>({
  createState: (config) => ({
    passedAny: false, last: 0, lastTs: 0, lastQuality: "good",
    band: (config.kind ?? "absolute") === "percent" ? config.value / 100 : config.value,
    percent: (config.kind ?? "absolute") === "percent",
    maxSilenceMs: config.maxSilenceMs ?? Number.POSITIVE_INFINITY,
    options: { ts: 0, quality: "good" },
  }),

  onMessage(_port, msg, ctx) {
    const value = numberIn(msg, ctx);
    if (value === undefined) return;
    const s = ctx.state;
    if (s.passedAny && msg.quality === s.lastQuality && msg.ts - s.lastTs < s.maxSilenceMs) {
      const limit = s.percent ? Math.abs(s.last) * s.band : s.band;
      if (!(Math.abs(value - s.last) > limit)) return;
    }
    s.passedAny = true;
    s.last = value;
    s.lastTs = msg.ts;
    s.lastQuality = msg.quality;
    const options = s.options;
    options.ts = msg.ts;
    options.quality = msg.quality;
    ctx.emit("out", value, options as EmitOptions);
  },
});

