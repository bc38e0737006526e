import { defineBlock, type BlockContext, type TimerHandle } from "../../runtime/block.ts";
import { History, sharedDatabase, type HistoryRow, type Retention } from "../../runtime/storage/index.ts";

interface Config {
  series?: string;
  retention?: { maxAgeHours?: number; maxBytes?: number };
  flushEvery?: number;
  flushAfterMs?: number;
}

interface State {
  history: History | undefined;
  rows: HistoryRow[];
  timer: TimerHandle | undefined;
  /** Series this node wrote, so retention applies to them and to nothing else. */
  series: Set<string>;
  lastAgeCheck: number;
}

type Context = BlockContext<Config, State>;

const HOUR_MS = 3_600_000;
/** Deleting by age scans an index; once a minute is plenty for budgets counted in hours. */
const AGE_CHECK_EVERY_MS = 60_000;
const DEFAULT_RETENTION = { maxAgeHours: 720, maxBytes: 1024 ** 3 };

export default defineBlock<Config, State>({
  createState: () => ({ history: undefined, rows: [], timer: undefined, series: new Set(), lastAgeCheck: Number.NEGATIVE_INFINITY }),

  start(ctx) {
    ctx.state.history = new History(sharedDatabase(ctx));
  },

  onMessage(_port, msg, ctx) {
    const series = ctx.config.series ?? msg.source;
    ctx.state.rows.push({ series, ts: msg.ts, value: msg.value, quality: msg.quality });
    ctx.state.series.add(series);
    if (ctx.state.rows.length >= (ctx.config.flushEvery ?? 100)) flush(ctx);
    else ctx.state.timer ??= ctx.clock.setTimeout(() => flush(ctx), ctx.config.flushAfterMs ?? 1000);
  },

  stop(ctx) {
    flush(ctx);
  },
});

function flush(ctx: Context): void {
  const { state } = ctx;
  if (state.timer !== undefined) ctx.clock.clear(state.timer);
  state.timer = undefined;
  if (state.rows.length === 0) return;
  const rows = state.rows;
  try {
    state.history!.append(rows);
  } catch (error) {
    // The rows stay in memory and go with the next flush; the timer makes sure there is one.
    ctx.log.error({ en: `writing history failed: ${String(error)}`, "zh-CN": `写入历史数据失败：${String(error)}` });
    state.timer = ctx.clock.setTimeout(() => flush(ctx), ctx.config.flushAfterMs ?? 1000);
    return;
  }
  state.rows = [];
  ctx.metrics.count("written", rows.length);
  applyRetention(ctx);
}

function applyRetention(ctx: Context): void {
  const now = ctx.clock.now();
  const retention = retentionOf(ctx.config);
  const checkAge = now - ctx.state.lastAgeCheck >= AGE_CHECK_EVERY_MS;
  if (checkAge) ctx.state.lastAgeCheck = now;
  let deleted = 0;
  for (const series of ctx.state.series) {
    deleted += ctx.state.history!.enforce(series, checkAge ? retention : { maxBytes: retention.maxBytes }, now);
  }
  if (deleted > 0) ctx.metrics.count("deleted", deleted);
}

function retentionOf(config: Config): Required<Retention> {
  const maxAgeHours = config.retention?.maxAgeHours ?? DEFAULT_RETENTION.maxAgeHours;
  return { maxAgeMs: maxAgeHours * HOUR_MS, maxBytes: config.retention?.maxBytes ?? DEFAULT_RETENTION.maxBytes };
}
