import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import { defineBlock, textOrSecret, type BlockContext, type Message, type TextOrSecret, type TimerHandle } from "../../runtime/block.ts";
import { Events, Outbox, sharedDatabase, type OutboxEntry, type OutboxOverflow } from "../../runtime/storage/index.ts";


interface Connection {
  host: string;
  port?: number;
  database: string;
  user: TextOrSecret;
  password?: { secret: string };
  ssl?: boolean | { rejectUnauthorized?: boolean };
}

interface Config {
  connection: Connection;
  table?: string;
  createTable?: boolean;
  series?: string;
  batchSize?: number;
  flushMs?: number;
  outboxMaxBytes?: number;
  overflow?: OutboxOverflow;
  reconnectMs?: number;
  stopFlushMs?: number;
}

interface State {
  outbox: Outbox | undefined;
  events: Events | undefined;
  /** Names this node in the table's `writer` column; with `seq` it makes every row unique. */
  writer: string;
  client: pg.Client | undefined;
  /** Bumped for every new connection and when one is given up, so callbacks of an old one are ignored. */
  epoch: number;
  connected: boolean;
  connecting: Promise<void> | undefined;
  /** The one write in progress: batches go one at a time, so rows arrive in sequence order. */
  writing: Promise<void> | undefined;
  /** flushMs ran out for messages up to this sequence number: they go as soon as the write under way is done. */
  dueUpTo: number;
  flushTimer: TimerHandle | undefined;
  /** Reconnects after the connection failed. */
  retryTimer: TimerHandle | undefined;
  /** Writes again after the server refused a write on a working connection; no write starts before. */
  writeRetryTimer: TimerHandle | undefined;
  /** Wait before the next reconnect or write retry: doubles per failure, back to reconnectMs on success. */
  retryMs: number;
  /** The table is known to exist (created or checked on this connection, and no write refused since). */
  tableReady: boolean;
  connects: number;
  /** The last problem logged: an outage is logged once, and again only when the cause changes. */
  problem: string | undefined;
  refusing: boolean;
  stopping: boolean;
}

type Context = BlockContext<Config, State>;

const MAX_RETRY_MS = 30_000;
/** Network timeouts of the driver (wall time): a silent server must not hold the queue for ever. */
const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 30_000;
const NUL = "\u0000";

export default defineBlock<Config, State>({
  createState: () => ({
    outbox: undefined, events: undefined, writer: "", client: undefined, epoch: 0, connected: false, connecting: undefined,
    writing: undefined, dueUpTo: 0, flushTimer: undefined, retryTimer: undefined, writeRetryTimer: undefined, retryMs: 0, tableReady: false, connects: 0, problem: undefined,
    refusing: false, stopping: false,
  }),

  start(ctx) {
    const { state } = ctx;
    const db = sharedDatabase(ctx);
    state.outbox = new Outbox(db, ctx.nodeId, { maxBytes: ctx.config.outboxMaxBytes ?? 256 * 1024 ** 2, overflow: ctx.config.overflow ?? "drop-oldest" });
    state.events = new Events(db);
    state.writer = writerId(ctx);
    state.retryMs = reconnectMs(ctx);
    clientConfig(ctx); // fails now, not on every reconnect, when a secret is missing
    updateGauges(ctx);
    startConnecting(ctx);
  },

  onMessage(_port, msg, ctx) {
    store(msg, ctx);
    armFlushTimer(ctx);
    if (ctx.state.outbox!.depth() >= batchSize(ctx)) flush(ctx);
  },

  async stop(ctx) {
    const { state } = ctx;
    state.stopping = true;
    for (const timer of [state.retryTimer, state.writeRetryTimer, state.flushTimer]) if (timer !== undefined) ctx.clock.clear(timer);
    // A write refused earlier gets one more try now, with what waits.
    state.retryTimer = state.writeRetryTimer = state.flushTimer = undefined;
    await drain(ctx);
    if (state.writeRetryTimer !== undefined) ctx.clock.clear(state.writeRetryTimer);
    state.writeRetryTimer = undefined;
    state.epoch++;
    state.connected = false;
    const client = state.client;
    state.client = undefined;
    await client?.end().catch(() => undefined);
    // A write cut short by stopFlushMs settles once its connection is gone: before the database closes.
    await state.writing;
    updateGauges(ctx);
    const left = state.outbox!.depth();
    if (left > 0) {
      ctx.log.info({ en: `${left} messages stay in the outbox for the next start`, "zh-CN": `${left} 条消息留在发件箱中，下次启动时继续写入` });
    }
  },
});

/**
 * The writer id is kept in the node's state, in the same database as the outbox: if that database
 * is replaced, sequence numbers start again at 1 under a new writer id, so no new row is taken for
 * an old one by ON CONFLICT DO NOTHING.
 */
function writerId(ctx: Context): string {
  const kept = ctx.store.get<string>("writer");
  if (kept !== undefined) return kept;
  const writer = `${hostname()}/${ctx.nodeId}/${randomBytes(4).toString("hex")}`;
  ctx.store.set("writer", writer);
  return writer;
}

/**
 * Every message goes to the durable outbox first; only the outbox feeds PostgreSQL. The payload
 * is a JSON header [ts, quality, source], a newline (never inside JSON text), then the value as JSON.
 */
function store(msg: Message, ctx: Context): void {
  const series = withoutNul(ctx.config.series ?? msg.source);
  const header = JSON.stringify([new Date(msg.ts).toISOString(), msg.quality, withoutNul(msg.source)]);
  const result = ctx.state.outbox!.enqueue(series, `${header}\n${valueJson(msg.value)}`, msg.ts);
  if (result.dropped > 0) ctx.metrics.count("dropped", result.dropped);
  if (result.seq === undefined) refused(ctx);
  else ctx.state.refusing = false;
  updateGauges(ctx);
}

/** PostgreSQL's text and jsonb cannot hold NUL characters: they become U+FFFD rather than fail the row. */
function valueJson(value: unknown): string {
  const json = JSON.stringify(value ?? null) ?? "null";
  if (!json.includes("\\u0000")) return json;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? withoutNul(v) : v));
}

function withoutNul(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, "\uFFFD") : text;
}

function refused(ctx: Context): void {
  ctx.metrics.count("refused");
  if (ctx.state.refusing) return;
  ctx.state.refusing = true;
  ctx.log.warn({
    en: "outbox is full: new messages are refused until PostgreSQL takes some (refuse-new)",
    "zh-CN": "发件箱已满：在 PostgreSQL 写入部分消息之前，新消息将被拒绝（refuse-new）",
  });
}

// --- connection ---------------------------------------------------------------------------

function clientConfig(ctx: Context): pg.ClientConfig {
  const { connection } = ctx.config;
  return {
    host: connection.host,
    port: connection.port ?? 5432,
    database: connection.database,
    user: textOrSecret(ctx.site, connection.user),
    ...(connection.password === undefined ? {} : { password: textOrSecret(ctx.site, connection.password) }),
    ssl: connection.ssl ?? false,
    application_name: `dengta ${ctx.nodeId}`.slice(0, 63),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
  };
}

/** A connection attempt that stop can wait for; it is forgotten once it has settled. */
function startConnecting(ctx: Context): void {
  const attempt: Promise<void> = connect(ctx).finally(() => {
    if (ctx.state.connecting === attempt) ctx.state.connecting = undefined;
  });
  ctx.state.connecting = attempt;
}

/** Opens a fresh connection and prepares the table; never rejects: failures schedule a retry. */
async function connect(ctx: Context): Promise<void> {
  const { state } = ctx;
  state.retryTimer = undefined;
  const epoch = ++state.epoch;
  let client: pg.Client;
  try {
    client = new pg.Client(clientConfig(ctx));
  } catch (error) {
    lost(ctx, error);
    return;
  }
  state.client = client;
  // Without a listener, an 'error' from an idle connection (server restarted) would end the process.
  client.on("error", (error) => epoch === state.epoch && lost(ctx, error));
  client.on("end", () => epoch === state.epoch && lost(ctx, new Error("connection closed")));
  try {
    await client.connect();
    state.tableReady = false;
    await prepareTable(ctx, client);
  } catch (error) {
    if (epoch === state.epoch) lost(ctx, error);
    else client.end().catch(() => undefined);
    return;
  }
  if (epoch !== state.epoch) {
    await client.end().catch(() => undefined);
    return;
  }
  connected(ctx);
}

function connected(ctx: Context): void {
  const { state } = ctx;
  state.connected = true;
  state.problem = undefined;
  state.connects++;
  if (state.connects > 1) ctx.metrics.count("reconnects");
  state.retryMs = reconnectMs(ctx);
  const depth = state.outbox!.depth();
  const where = address(ctx);
  ctx.log.info(
    { en: `connected to PostgreSQL ${where}, table ${tableOf(ctx)}; ${depth} messages waiting`, "zh-CN": `已连接 PostgreSQL ${where}，表 ${tableOf(ctx)}；待写入 ${depth} 条消息` },
    { depth },
  );
  updateGauges(ctx);
  // What waited during the outage goes now, batch after batch.
  if (depth > 0) flush(ctx);
}

/** The connection is gone or unusable: close it, say why once, and try again later. */
function lost(ctx: Context, error: unknown): void {
  const { state } = ctx;
  const wasConnected = state.connected;
  state.connected = false;
  state.epoch++;
  if (state.writeRetryTimer !== undefined) ctx.clock.clear(state.writeRetryTimer);
  state.writeRetryTimer = undefined;
  const client = state.client;
  state.client = undefined;
  client?.end().catch(() => undefined);
  ctx.metrics.count("connectionErrors");
  report(ctx, error, wasConnected);
  updateGauges(ctx);
  if (state.stopping) return;
  state.retryTimer = ctx.clock.setTimeout(() => startConnecting(ctx), state.retryMs);
  state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
}

function report(ctx: Context, error: unknown, wasConnected: boolean): void {
  const where = address(ctx);
  if (wasConnected) {
    ctx.log.warn({
      en: `lost the connection to PostgreSQL ${where}; messages are kept in the outbox`,
      "zh-CN": `与 PostgreSQL ${where} 的连接已断开；消息保存在发件箱中`,
    });
  }
  const problem = describeProblem(ctx, error);
  if (problem.text.en === ctx.state.problem) return;
  ctx.state.problem = problem.text.en;
  ctx.log[problem.level](problem.text, { code: codeOf(error) });
}

/** What went wrong, in words an integrator on site can act on. */
function describeProblem(ctx: Context, error: unknown): { level: "warn" | "error"; text: { en: string; "zh-CN": string } } {
  const where = address(ctx);
  const detail = messageOf(error);
  const code = codeOf(error);
  const user = typeof ctx.config.connection.user === "string" ? ctx.config.connection.user : `{ secret: ${ctx.config.connection.user.secret} }`;
  if (code === "28P01" || code === "28000") {
    return {
      level: "error",
      text: {
        en: `PostgreSQL ${where} refused the login of user ${user}: wrong password or no access (${detail}); messages are kept in the outbox`,
        "zh-CN": `PostgreSQL ${where} 拒绝了用户 ${user} 的登录：密码错误或无访问权限（${detail}）；消息保存在发件箱中`,
      },
    };
  }
  if (code === "3D000") {
    return {
      level: "error",
      text: {
        en: `database '${ctx.config.connection.database}' does not exist on PostgreSQL ${where}; messages are kept in the outbox`,
        "zh-CN": `PostgreSQL ${where} 上不存在数据库 '${ctx.config.connection.database}'；消息保存在发件箱中`,
      },
    };
  }
  if (isRefusal(error)) {
    return {
      level: "error",
      text: {
        en: `PostgreSQL ${where} refused to write to table ${tableOf(ctx)}: ${detail} (SQLSTATE ${code}); messages are kept in the outbox and retried`,
        "zh-CN": `PostgreSQL ${where} 拒绝写入表 ${tableOf(ctx)}：${detail}（SQLSTATE ${code}）；消息保存在发件箱中，稍后重试`,
      },
    };
  }
  return {
    level: "warn",
    text: {
      en: `cannot reach PostgreSQL ${where}: ${detail}; messages are kept in the outbox and retried`,
      "zh-CN": `无法连接 PostgreSQL ${where}：${detail}；消息保存在发件箱中，稍后重试`,
    },
  };
}

// --- writing ------------------------------------------------------------------------------

/**
 * The timer runs from the first message that waits, whether or not a full batch goes before it
 * fires, so no message waits much longer than flushMs; with nothing waiting there is no timer.
 */
function armFlushTimer(ctx: Context): void {
  const { state } = ctx;
  state.flushTimer ??= ctx.clock.setTimeout(() => {
    state.flushTimer = undefined;
    state.dueUpTo = state.outbox!.stats().lastSeq;
    flush(ctx);
  }, ctx.config.flushMs ?? 1000);
}

/** Starts writing the oldest waiting messages, unless a write is under way or there is no connection. */
function flush(ctx: Context): void {
  const { state } = ctx;
  if (!state.connected || state.writing !== undefined || state.writeRetryTimer !== undefined || state.outbox!.depth() === 0) return;
  state.writing = writeBatch(ctx).finally(() => {
    state.writing = undefined;
    afterWrite(ctx);
  });
}

function afterWrite(ctx: Context): void {
  const { state } = ctx;
  if (state.stopping || !state.connected || state.writeRetryTimer !== undefined) return;
  const depth = state.outbox!.depth();
  if (depth >= batchSize(ctx) || (depth > 0 && state.outbox!.peek(1)[0]!.seq <= state.dueUpTo)) flush(ctx);
  else if (depth > 0) armFlushTimer(ctx);
}

/** One multi-row INSERT of the oldest waiting messages, then they leave the outbox. Never rejects. */
async function writeBatch(ctx: Context): Promise<void> {
  const { state } = ctx;
  const epoch = state.epoch;
  const client = state.client!;
  const entries = state.outbox!.peek(batchSize(ctx));
  const rows = entries.map(rowOf);
  let rejected = 0;
  try {
    await prepareTable(ctx, client);
    try {
      await insert(ctx, client, rows);
    } catch (error) {
      if (!isDataError(error)) throw error;
      // A row PostgreSQL cannot take (a timestamp out of its range): the others must still go.
      rejected = await insertOneByOne(ctx, client, rows);
    }
  } catch (error) {
    if (epoch !== state.epoch) return;
    if (isRefusal(error)) refusedWrite(ctx, error);
    else lost(ctx, error);
    return;
  }
  // Committed, so acknowledged even if the connection broke since: a resend would be ignored anyway.
  state.outbox!.ack(entries.at(-1)!.seq);
  ctx.metrics.count("written", rows.length - rejected);
  if (rejected > 0) ctx.metrics.count("rejected", rejected);
  state.problem = undefined;
  state.retryMs = reconnectMs(ctx);
  updateGauges(ctx);
}

/**
 * The server is there but said no (no such table, no permission, disk full): the connection stays,
 * the reason is logged once, and the same rows are tried again later, creating the table first
 * when that is allowed, in case it was dropped.
 */
function refusedWrite(ctx: Context, error: unknown): void {
  const { state } = ctx;
  state.tableReady = false;
  ctx.metrics.count("writeErrors");
  report(ctx, error, false);
  state.writeRetryTimer = ctx.clock.setTimeout(() => {
    state.writeRetryTimer = undefined;
    flush(ctx);
  }, state.retryMs);
  state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
}

async function prepareTable(ctx: Context, client: pg.Client): Promise<void> {
  if (ctx.state.tableReady) return;
  if (ctx.config.createTable ?? true) await client.query(createTableSql(tableOf(ctx)));
  ctx.state.tableReady = true;
}

/** Errors the server sent (SQLSTATE) other than connection loss (08) and shutdown (57). */
function isRefusal(error: unknown): boolean {
  const code = codeOf(error);
  return error instanceof pg.DatabaseError && code !== undefined && !code.startsWith("08") && !code.startsWith("57");
}

/** Returns how many rows PostgreSQL refused for their content; those are kept in the event log. */
async function insertOneByOne(ctx: Context, client: pg.Client, rows: Row[]): Promise<number> {
  let rejected = 0;
  for (const row of rows) {
    try {
      await insert(ctx, client, [row]);
    } catch (error) {
      if (!isDataError(error)) throw error;
      rejected++;
      keepRejected(ctx, row, error);
    }
  }
  return rejected;
}

/** A row PostgreSQL will never take is kept in the box's event log before it leaves the outbox. */
function keepRejected(ctx: Context, row: Row, error: unknown): void {
  const detail = messageOf(error);
  ctx.state.events!.append([{
    ts: row.ms,
    kind: "postgres.rejected",
    source: ctx.nodeId,
    data: { seq: row.seq, series: row.series, ts: row.ts, quality: row.quality, source: row.source, value: row.value, error: detail },
  }]);
  ctx.log.error({
    en: `PostgreSQL refused message #${row.seq} of series '${row.series}' (${detail}); it is kept in the box's event log as postgres.rejected`,
    "zh-CN": `PostgreSQL 拒绝了序列 '${row.series}' 的第 #${row.seq} 条消息（${detail}）；该消息已保存在盒子的事件日志中（postgres.rejected）`,
  }, { seq: row.seq, code: codeOf(error) });
}

interface Row {
  seq: number;
  /** The message's time in ms, as the box's own records keep it. */
  ms: number;
  ts: string;
  series: string;
  /** JSON text, cast to jsonb by the server. */
  value: string;
  quality: string;
  source: string;
}

function rowOf(entry: OutboxEntry): Row {
  const text = new TextDecoder().decode(entry.payload);
  const newline = text.indexOf("\n");
  const [ts, quality, source] = JSON.parse(text.slice(0, newline)) as [string, string, string];
  return { seq: entry.seq, ms: entry.ts, ts, series: entry.topic, value: text.slice(newline + 1), quality, source };
}

/** Values travel as parameters, never in the SQL text; ON CONFLICT makes a resent batch a no-op. */
async function insert(ctx: Context, client: pg.Client, rows: Row[]): Promise<void> {
  const values: unknown[] = [ctx.state.writer];
  const tuples: string[] = [];
  for (const row of rows) {
    const n = values.length;
    tuples.push(`($1, $${n + 1}, $${n + 2}::timestamptz, $${n + 3}, $${n + 4}::jsonb, $${n + 5}, $${n + 6})`);
    values.push(row.seq, row.ts, row.series, row.value, row.quality, row.source);
  }
  await client.query(
    `INSERT INTO ${quoted(tableOf(ctx))} (writer, seq, ts, series, value, quality, source) VALUES ${tuples.join(", ")} ON CONFLICT (writer, seq) DO NOTHING`,
    values,
  );
}

function createTableSql(table: string): string {
  const name = table.split(".").at(-1)!;
  return [
    `CREATE TABLE IF NOT EXISTS ${quoted(table)} (`,
    "  ts timestamptz NOT NULL,",
    "  series text NOT NULL,",
    "  value jsonb,",
    "  quality text NOT NULL,",
    "  source text NOT NULL,",
    "  writer text NOT NULL,",
    "  seq bigint NOT NULL,",
    `  CONSTRAINT ${quoted(`${name}_writer_seq`)} UNIQUE (writer, seq)`,
    ");",
    `CREATE INDEX IF NOT EXISTS ${quoted(`${name}_series_ts`)} ON ${quoted(table)} (series, ts);`,
  ].join("\n");
}

/** The schema already allows only [a-z0-9_] names; quoting is the second fence, and keeps reserved words usable. */
function quoted(name: string): string {
  return name.split(".").map((part) => `"${part.replaceAll('"', '""')}"`).join(".");
}

/** SQLSTATE class 22 (data exception): the row itself is the problem, not the server or the table. */
function isDataError(error: unknown): boolean {
  return error instanceof pg.DatabaseError && (codeOf(error)?.startsWith("22") ?? false);
}

// --- stop ---------------------------------------------------------------------------------

/** Writes what is waiting, batch after batch, until done, the connection is gone, or stopFlushMs is up. */
async function drain(ctx: Context): Promise<void> {
  const { state } = ctx;
  let timeUp = false;
  let deadline: TimerHandle | undefined;
  const expired = new Promise<void>((resolve) => {
    deadline = ctx.clock.setTimeout(() => {
      timeUp = true;
      resolve();
    }, ctx.config.stopFlushMs ?? 5000);
  });
  try {
    while (!timeUp) {
      const pending = state.writing ?? state.connecting;
      if (pending !== undefined) {
        await Promise.race([pending, expired]);
        continue;
      }
      // A write refused during the drain is not tried again: those messages stay for the next start.
      if (!state.connected || state.writeRetryTimer !== undefined || state.outbox!.depth() === 0) break;
      flush(ctx);
    }
  } finally {
    ctx.clock.clear(deadline!);
  }
}

// --- small things -------------------------------------------------------------------------

function tableOf(ctx: Context): string {
  return ctx.config.table ?? "dengta_history";
}

function batchSize(ctx: Context): number {
  return ctx.config.batchSize ?? 500;
}

function reconnectMs(ctx: Context): number {
  return ctx.config.reconnectMs ?? 1000;
}

function address(ctx: Context): string {
  const { host, port, database } = ctx.config.connection;
  return `${host}:${port ?? 5432}/${database}`;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(messageOf).join("; ");
  if (error instanceof Error) return error.message || String(codeOf(error) ?? error.name);
  return String(error);
}

function updateGauges(ctx: Context): void {
  const outbox = ctx.state.outbox!;
  ctx.metrics.gauge("outboxDepth", outbox.depth());
  ctx.metrics.gauge("outboxBytes", outbox.bytes());
  ctx.metrics.gauge("connected", ctx.state.connected ? 1 : 0);
}

