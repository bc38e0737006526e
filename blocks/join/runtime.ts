import { defineBlock, type BlockContext, type Message, type Quality } from "../../runtime/block.ts";

interface Config {
  toleranceMs: number;
  mode?: "a" | "both";
  maxBuffered?: number;
}

interface State {
  tolerance: number;
  both: boolean;
  maxBuffered: number;
  /** Recent messages per input, in arrival order. `a` is kept only in mode both. */
  a: Message[];
  b: Message[];
  /** Newest timestamp seen on either input: entries further back than the tolerance expire. */
  newestTs: number;
}

type Context = BlockContext<Config, State>;

const RANK: Record<Quality, number> = { good: 0, uncertain: 1, bad: 2 };

export default defineBlock<Config, State>({
  createState: (config) => ({
    tolerance: config.toleranceMs,
    both: (config.mode ?? "a") === "both",
    maxBuffered: config.maxBuffered ?? 1000,
    a: [], b: [],
    newestTs: Number.NEGATIVE_INFINITY,
  }),

  onMessage(port, msg, ctx) {
    if (port !== "a" && port !== "b") throw new Error(`join has no input '${port}'`);
    const s = ctx.state;
    if (msg.ts > s.newestTs) {
      s.newestTs = msg.ts;
      expire(s.a, s.newestTs - s.tolerance);
      expire(s.b, s.newestTs - s.tolerance);
    }
    if (port === "a") {
      const partner = latestWithin(s.b, msg.ts, s.tolerance);
      if (s.both) keep(s.a, msg, ctx);
      if (partner !== undefined) send(ctx, msg, partner, msg);
      else ctx.metrics.count("unmatched");
    } else {
      keep(s.b, msg, ctx);
      if (!s.both) return;
      const partner = latestWithin(s.a, msg.ts, s.tolerance);
      if (partner !== undefined) send(ctx, partner, msg, msg);
      else ctx.metrics.count("unmatched");
    }
  },
});

function send(ctx: Context, a: Message, b: Message, by: Message): void {
  const quality = RANK[a.quality] >= RANK[b.quality] ? a.quality : b.quality;
  ctx.emit("out", { a: a.value, b: b.value, ts: by.ts }, { ts: by.ts, quality });
}

/** The most recently received message whose timestamp is within `tolerance` of `ts`. */
function latestWithin(buffer: Message[], ts: number, tolerance: number): Message | undefined {
  for (let i = buffer.length - 1; i >= 0; i--) {
    const m = buffer[i]!;
    if (Math.abs(m.ts - ts) <= tolerance) return m;
  }
  return undefined;
}

function keep(buffer: Message[], msg: Message, ctx: Context): void {
  buffer.push(msg);
  if (buffer.length > ctx.state.maxBuffered) {
    buffer.shift();
    ctx.metrics.count("dropped");
  }
}

/** Removes the leading entries older than `cutoff`: they can no longer pair with newer messages. */
function expire(buffer: Message[], cutoff: number): void {
  let n = 0;
  while (n < buffer.length && buffer[n]!.ts < cutoff) n++;
  if (n > 0) buffer.splice(0, n);
}
