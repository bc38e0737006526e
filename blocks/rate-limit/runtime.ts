import { defineBlock, type BlockContext, type Message, type Quality, type TimerHandle } from "../../runtime/block.ts";

interface Config {
  count?: number;
  perMs: number;
  policy?: "drop" | "latest";
}

interface State {
  count: number;
  perMs: number;
  latest: boolean;
  /** A fixed window is open from a message's ts until windowEnd (exclusive). */
  open: boolean;
  windowEnd: number;
  passed: number;
  /** With policy latest: the newest message over the limit, sent when the window reopens. */
  held: Message | undefined;
  timer: TimerHandle | undefined;
  /** Reused for every emit: the engine reads it synchronously and keeps nothing of it. */
  options: { ts: number; quality: Quality };
}

type Context = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: (config) => ({
    count: config.count ?? 1,
    perMs: config.perMs,
    latest: (config.policy ?? "drop") === "latest",
    open: false, windowEnd: 0, passed: 0,
    held: undefined, timer: undefined,
    options: { ts: 0, quality: "good" },
  }),

  onMessage(_port, msg, ctx) {
    const s = ctx.state;
    if (s.open && msg.ts >= s.windowEnd) {
      // The window closed by message time before its timer fired (e.g. a replay faster than the clock).
      if (s.held !== undefined) sendHeld(ctx);
      if (msg.ts >= s.windowEnd) s.open = false;
    }
    if (!s.open) {
      s.open = true;
      s.windowEnd = msg.ts + s.perMs;
      s.passed = 0;
    }
    if (s.passed < s.count) {
      s.passed++;
      send(ctx, msg);
      return;
    }
    if (!s.latest || s.held !== undefined) ctx.metrics.count("dropped");
    if (!s.latest) return;
    s.held = msg;
    s.timer ??= ctx.clock.setTimeout(() => {
      s.timer = undefined;
      if (s.held !== undefined) sendHeld(ctx);
    }, Math.max(0, s.windowEnd - ctx.clock.now()));
  },

  stop(ctx) {
    const s = ctx.state;
    if (s.timer !== undefined) ctx.clock.clear(s.timer);
    s.timer = undefined;
    if (s.held !== undefined) {
      ctx.metrics.count("dropped");
      s.held = undefined;
    }
  },
});

/** Sends the held message as the first of the window that opens where the last one ended. */
function sendHeld(ctx: Context): void {
  const s = ctx.state;
  const msg = s.held!;
  s.held = undefined;
  if (s.timer !== undefined) ctx.clock.clear(s.timer);
  s.timer = undefined;
  s.windowEnd += s.perMs;
  s.passed = 1;
  send(ctx, msg);
}

function send(ctx: Context, msg: Message): void {
  const options = ctx.state.options;
  options.ts = msg.ts;
  options.quality = msg.quality;
  ctx.emit("out", msg.value, options);
}
