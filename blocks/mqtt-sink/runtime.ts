import { hostname } from "node:os";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { defineBlock, textOrSecret, type BlockContext, type Message, type TextOrSecret, type TimerHandle } from "../../runtime/block.ts";
import { Outbox, sharedDatabase, type OutboxEntry, type OutboxOverflow } from "../../runtime/storage/index.ts";

interface Config {
  url: string;
  topic: string;
  clientId?: string;
  qos?: 0 | 1;
  username?: TextOrSecret;
  password?: { secret: string };
  outboxMaxBytes?: number;
  overflow?: OutboxOverflow;
  maxInFlight?: number;
  reconnectMs?: number;
  stopFlushMs?: number;
}

interface InFlight {
  seq: number;
  acked: boolean;
}

interface State {
  outbox: Outbox | undefined;
  client: MqttClient | undefined;
  /** Bumped for every new connection and at stop, so callbacks of an old one are ignored. */
  epoch: number;
  connected: boolean;
  inFlight: InFlight[];
  /** Highest sequence number published on the current connection. */
  lastSent: number;
  retryMs: number;
  retryTimer: TimerHandle | undefined;
  connects: number;
  refusing: boolean;
  /** An outage is logged once, not once per reconnect attempt. */
  outageLogged: boolean;
  stopping: boolean;
  /** Resolves stop's wait: the outbox is empty, the connection is gone, or time is up. */
  drained: (() => void) | undefined;
}

type Context = BlockContext<Config, State>;

const MAX_RETRY_MS = 30_000;

export default defineBlock<Config, State>({
  createState: () => ({
    outbox: undefined, client: undefined, epoch: 0, connected: false, inFlight: [], lastSent: 0,
    retryMs: 0, retryTimer: undefined, connects: 0, refusing: false, outageLogged: false, stopping: false, drained: undefined,
  }),

  start(ctx) {
    const overflow = ctx.config.overflow ?? "drop-oldest";
    ctx.state.outbox = new Outbox(sharedDatabase(ctx), ctx.nodeId, { maxBytes: ctx.config.outboxMaxBytes ?? 256 * 1024 ** 2, overflow });
    ctx.state.retryMs = reconnectMs(ctx);
    connectOptions(ctx); // fails now, not on every reconnect, when a secret is missing
    updateGauges(ctx);
    connect(ctx);
  },

  onMessage(_port, msg, ctx) {
    store(msg, ctx);
    pump(ctx);
  },

  async stop(ctx) {
    const { state } = ctx;
    state.stopping = true;
    if (state.retryTimer !== undefined) ctx.clock.clear(state.retryTimer);
    if (state.connected && state.outbox!.depth() > 0) await drain(ctx);
    state.epoch++;
    state.client?.end(true);
    state.client = undefined;
    state.connected = false;
    updateGauges(ctx);
    const left = state.outbox!.depth();
    if (left > 0) {
      ctx.log.info({ en: `${left} messages stay in the outbox for the next start`, "zh-CN": `${left} 条消息留在发件箱中，下次启动时继续发送` });
    }
  },
});

/** Every message goes to the durable outbox first; only the outbox feeds the broker. */
function store(msg: Message, ctx: Context): void {
  const topic = ctx.config.topic.replaceAll("{source}", msg.source);
  // The sequence number is only known once stored, so it is put in front when publishing.
  const body = JSON.stringify({ ts: new Date(msg.ts).toISOString(), source: msg.source, quality: msg.quality, value: msg.value ?? null });
  const result = ctx.state.outbox!.enqueue(topic, body, msg.ts);
  if (result.dropped > 0) ctx.metrics.count("dropped", result.dropped);
  if (result.seq === undefined) refused(ctx);
  else ctx.state.refusing = false;
  updateGauges(ctx);
}

function refused(ctx: Context): void {
  ctx.metrics.count("refused");
  if (ctx.state.refusing) return;
  ctx.state.refusing = true;
  ctx.log.warn({
    en: "outbox is full: new messages are refused until the broker takes some (refuse-new)",
    "zh-CN": "发件箱已满：在代理接收部分消息之前，新消息将被拒绝（refuse-new）",
  });
}

function connect(ctx: Context): void {
  const { state } = ctx;
  state.retryTimer = undefined;
  const epoch = ++state.epoch;
  const client = mqtt.connect(ctx.config.url, connectOptions(ctx));
  state.client = client;
  client.on("connect", () => epoch === state.epoch && connected(ctx));
  client.on("close", () => epoch === state.epoch && closed(ctx));
  client.on("error", (error) => epoch === state.epoch && brokerError(ctx, error));
}

function connectOptions(ctx: Context): IClientOptions {
  const { config } = ctx;
  return {
    clientId: config.clientId ?? `dengta-${hostname()}-${ctx.nodeId}`,
    // Reconnects are ours (on ctx.clock, fresh client each time), so MQTT.js never resends on its own.
    reconnectPeriod: 0,
    clean: true,
    connectTimeout: 10_000,
    keepalive: 30,
    ...(config.username === undefined ? {} : { username: textOrSecret(ctx.site, config.username) }),
    ...(config.password === undefined ? {} : { password: textOrSecret(ctx.site, config.password) }),
  };
}

function connected(ctx: Context): void {
  const { state } = ctx;
  state.connected = true;
  state.outageLogged = false;
  state.connects++;
  if (state.connects > 1) ctx.metrics.count("reconnects");
  state.retryMs = reconnectMs(ctx);
  state.inFlight = [];
  state.lastSent = 0;
  const depth = state.outbox!.depth();
  ctx.log.info(
    { en: `connected to ${ctx.config.url}; ${depth} messages waiting`, "zh-CN": `已连接 ${ctx.config.url}；待发送 ${depth} 条消息` },
    { depth },
  );
  updateGauges(ctx);
  pump(ctx);
}

function closed(ctx: Context): void {
  const { state } = ctx;
  if (state.connected) {
    ctx.log.warn({
      en: `lost the connection to ${ctx.config.url}; messages are kept in the outbox`,
      "zh-CN": `与 ${ctx.config.url} 的连接已断开；消息保存在发件箱中`,
    });
  }
  state.connected = false;
  state.inFlight = [];
  state.client?.end(true);
  state.client = undefined;
  updateGauges(ctx);
  if (state.stopping) {
    state.drained?.();
    return;
  }
  state.retryTimer = ctx.clock.setTimeout(() => connect(ctx), state.retryMs);
  state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
}

function brokerError(ctx: Context, error: Error): void {
  // A broker down for an hour must not fill the log with one line per retry.
  if (!ctx.state.connected) {
    if (ctx.state.outageLogged) return;
    ctx.state.outageLogged = true;
  }
  ctx.log.warn({ en: `MQTT: ${error.message}`, "zh-CN": `MQTT 错误：${error.message}` });
}

/** Publishes the oldest unsent messages while the window has room, in sequence order. */
function pump(ctx: Context): void {
  const { state } = ctx;
  const window = ctx.config.maxInFlight ?? 16;
  while (state.connected && state.inFlight.length < window) {
    const batch = state.outbox!.peek(window - state.inFlight.length, state.lastSent);
    if (batch.length === 0) return;
    for (const entry of batch) publish(ctx, entry);
  }
}

function publish(ctx: Context, entry: OutboxEntry): void {
  const { state } = ctx;
  const epoch = state.epoch;
  state.lastSent = entry.seq;
  const item = { seq: entry.seq, acked: false };
  state.inFlight.push(item);
  state.client!.publish(entry.topic, withSeq(entry), { qos: ctx.config.qos ?? 1 }, (error) => {
    if (epoch !== state.epoch) return;
    if (error) {
      // The connection is in doubt: start over on a fresh one from the oldest unacknowledged message.
      brokerError(ctx, error);
      state.client?.end(true);
      return;
    }
    item.acked = true;
    acknowledged(ctx);
  });
}

/** PUBACKs come in order, but only an unbroken prefix is deleted from the outbox. */
function acknowledged(ctx: Context): void {
  const { state } = ctx;
  let upTo = 0;
  while (state.inFlight[0]?.acked) upTo = state.inFlight.shift()!.seq;
  if (upTo === 0) return;
  const count = state.outbox!.ack(upTo);
  ctx.metrics.count("published", count);
  updateGauges(ctx);
  pump(ctx);
  if (state.stopping && state.outbox!.depth() === 0) state.drained?.();
}

function withSeq(entry: OutboxEntry): string {
  const body = new TextDecoder().decode(entry.payload);
  return `{"seq":${entry.seq},${body.slice(1)}`;
}

function drain(ctx: Context): Promise<void> {
  return new Promise((resolve) => {
    const timer = ctx.clock.setTimeout(() => resolve(), ctx.config.stopFlushMs ?? 2000);
    ctx.state.drained = () => {
      ctx.clock.clear(timer);
      resolve();
    };
  });
}

function updateGauges(ctx: Context): void {
  const outbox = ctx.state.outbox!;
  ctx.metrics.gauge("outboxDepth", outbox.depth());
  ctx.metrics.gauge("outboxBytes", outbox.bytes());
  ctx.metrics.gauge("connected", ctx.state.connected ? 1 : 0);
}

function reconnectMs(ctx: Context): number {
  return ctx.config.reconnectMs ?? 1000;
}
