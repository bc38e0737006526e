import { defineBlock, type BlockContext, type TimerHandle } from "../../runtime/block.ts";

interface Config {
  intervalMs?: number;
  count?: number;
  startDelayMs?: number;
}

interface State {
  ticks: number;
  timer: TimerHandle | undefined;
}

type Context = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({ ticks: 0, timer: undefined }),

  start(ctx) {
    const intervalMs = ctx.config.intervalMs ?? 1000;
    const delayMs = ctx.config.startDelayMs ?? intervalMs;
    ctx.state.timer = ctx.clock.setTimeout(() => {
      ctx.state.timer = undefined;
      tick(ctx);
      if (!isDone(ctx)) ctx.state.timer = ctx.clock.setInterval(() => tick(ctx), intervalMs);
    }, delayMs);
  },

  stop(ctx) {
    clearTimer(ctx);
  },
});

function tick(ctx: Context): void {
  ctx.state.ticks++;
  ctx.emit("out", ctx.state.ticks);
  // Clearing the timer once the count is reached lets the engine go idle.
  if (isDone(ctx)) clearTimer(ctx);
}

function isDone(ctx: Context): boolean {
  const count = ctx.config.count;
  return count !== undefined && ctx.state.ticks >= count;
}

function clearTimer(ctx: Context): void {
  if (ctx.state.timer !== undefined) ctx.clock.clear(ctx.state.timer);
  ctx.state.timer = undefined;
}
