import { defineBlock, type EmitOptions, type Quality } from "../../runtime/block.ts";

export type MachineState = "running" | "idle" | "down" | "setup";

interface Config {
  map: Readonly<Record<string, MachineState>>;
  default?: MachineState | "unknown";
  emitEvery?: boolean;
}

interface State {
  /** Undefined until the first valid code. */
  state: MachineState | "unknown" | undefined;
  code: number | string | undefined;
  since: number;
  /** Unknown codes already warned about, so a repeating code logs once and is still counted. */
  warned: Set<string>;
  options: { ts: number; quality: Quality };
}

export default defineBlock<Config, State>({
  createState: () => ({ state: undefined, code: undefined, since: 0, warned: new Set(), options: { ts: 0, quality: "good" } }),

  onMessage(_port, msg, ctx) {
    const code = msg.value;
    if (!(typeof code === "string" || (typeof code === "number" && Number.isFinite(code)))) {
      const shown = code === null ? "null" : typeof code === "number" ? String(code) : typeof code;
      ctx.log.warn({ en: `ignored a state code that is not a number or text: ${shown}`, "zh-CN": `忽略了非数值或文本的状态码：${shown}` }, { source: msg.source });
      ctx.metrics.count("invalid");
      return;
    }
    const key = String(code);
    const fallback = ctx.config.default ?? "unknown";
    let mapped: MachineState | "unknown" | undefined = Object.hasOwn(ctx.config.map, key) ? ctx.config.map[key] : undefined;
    if (mapped === undefined) {
      mapped = fallback;
      if (fallback === "unknown") {
        ctx.metrics.count("unknown");
        if (!ctx.state.warned.has(key)) {
          ctx.state.warned.add(key);
          const shown = JSON.stringify(typeof code === "string" ? code.slice(0, 40) : code);
          ctx.log.warn({ en: `state code ${shown} is not in the map: state "unknown"`, "zh-CN": `状态码 ${shown} 不在映射表中：状态为 "unknown"` }, { source: msg.source });
        }
      }
    }

    const s = ctx.state;
    const options = s.options;
    options.ts = msg.ts;
    options.quality = msg.quality;
    const changed = mapped !== s.state;
    if (changed) {
      if (s.state !== undefined) {
        ctx.emit("duration", { state: s.state, start: s.since, end: msg.ts, durationMs: Math.max(0, msg.ts - s.since) }, options as EmitOptions);
      }
      s.state = mapped;
      s.since = msg.ts;
    }
    s.code = code;
    if (changed || ctx.config.emitEvery === true) {
      ctx.emit("out", { state: mapped, code, since: s.since }, options as EmitOptions);
    }
  },
});
