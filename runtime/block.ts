// The contract every block implements. Blocks import only this file from the runtime.

export type Quality = "good" | "uncertain" | "bad";

/** What travels on an edge. Frozen by the engine; never cloned, so large payloads go by reference. */
export interface Message<T = unknown> {
  readonly value: T;
  /** Milliseconds since the Unix epoch, taken from ctx.clock (model time when following a simulator). */
  readonly ts: number;
  readonly quality: Quality;
  /** Id of the node that emitted it. */
  readonly source: string;
}

export interface EmitOptions {
  ts?: number;
  quality?: Quality;
}

export type TimerHandle = { readonly id: number };

/** The only source of time a block may use: wall time live, model time in replay and tests. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  setInterval(callback: () => void, intervalMs: number): TimerHandle;
  clear(handle: TimerHandle): void;
}

/** A log line's words: plain text, or English and Chinese for a line an operator reads. */
export type LogText = string | { en: string; "zh-CN": string };

/** A config value given as text or as a reference to a secret on the box: `{ secret: name }`. */
export type TextOrSecret = string | { secret: string };

/** The text, or the secret's value on this box; a secret that is not set stops the block with a worded error. */
export function textOrSecret(site: Pick<SiteContext, "secret">, value: TextOrSecret): string {
  if (typeof value === "string") return value;
  const secret = site.secret(value.secret);
  if (secret !== undefined) return secret;
  const variable = `DENGTA_SECRET_${value.secret.toUpperCase().replaceAll("-", "_")}`;
  throw new BlockError({
    en: `secret '${value.secret}' is not set on this box (${variable}, or a file in the credentials folder)`,
    "zh-CN": `本机未设置密钥 '${value.secret}'（${variable}，或凭据目录中的文件）`,
  });
}

/** A block's failure an operator can act on, worded in both languages for the engine's log line. */
export class BlockError extends Error {
  constructor(readonly text: { en: string; "zh-CN": string }) {
    super(text.en);
  }
}

export interface Log {
  info(message: LogText, fields?: Record<string, unknown>): void;
  warn(message: LogText, fields?: Record<string, unknown>): void;
  error(message: LogText, fields?: Record<string, unknown>): void;
}

export interface Metrics {
  /** Adds to a counter named for this block. */
  count(name: string, by?: number): void;
  /** Sets a gauge named for this block. */
  gauge(name: string, value: number): void;
}

/** Durable key-value state scoped to one node, kept in the bundle's embedded database. */
export interface BlockStore {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** A signal of the APP resolved through the binding, for I/O blocks. */
export interface ResolvedSignal {
  name: string;
  type: string;
  direction: "in" | "out" | "inout";
  binding: Readonly<Record<string, unknown>> | undefined;
}

/** What the box and the binding provide to I/O blocks: endpoints, cameras, secrets, folders. */
export interface SiteContext {
  /** The binding's endpoints by name, as written: secrets are still references. */
  readonly endpoints: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly cameras: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Shifts and breaks in the site's time zone, from the binding; undefined when it gives none. */
  readonly calendar?: SiteCalendar;
  /** The site's name from the binding (`site`), for reports and messages people read. */
  readonly name?: SiteName;
  /** A secret's value on this box: $DENGTA_SECRET_<NAME>, or a file in the credentials folder. */
  secret(name: string): string | undefined;
  /** The bundle's data folder; I/O blocks keep shared state (e.g. the OPC UA PKI) under it. */
  readonly dataDir: string;
}

export interface SiteName {
  en: string;
  "zh-CN": string;
}

export interface SiteCalendar {
  /** IANA time zone, e.g. Asia/Shanghai: shifts follow the site's clock, whatever the box's TZ is. */
  timezone: string;
  /** Times of day "HH:MM" ("24:00" ends a day); breaks are planned stops. */
  shifts: ReadonlyArray<{ name: string; start: string; end: string; breaks?: ReadonlyArray<readonly [string, string]> }>;
}

/**
 * Something several nodes share and the engine closes after every block has stopped, such as
 * one OPC UA session per endpoint. The first `open` for a key wins; later calls get the same one.
 */
export type SharedResource = <T>(key: string, open: () => T, close: (value: T) => void | Promise<void>) => T;

export interface BlockContext<Config, State = undefined> {
  /** Id of this node in the APP. */
  readonly nodeId: string;
  /** Already validated against the block's config schema, parameters substituted. */
  readonly config: Readonly<Config>;
  /** This node's own working state, made by createState; never shared between nodes. */
  readonly state: State;
  emit(port: string, value: unknown, options?: EmitOptions): void;
  readonly clock: Clock;
  readonly store: BlockStore;
  readonly log: Log;
  readonly metrics: Metrics;
  readonly signals: Readonly<Record<string, ResolvedSignal>>;
  readonly site: SiteContext;
  readonly shared: SharedResource;
  /** A folder this node may write to (created on first use), under the bundle's data folder. */
  dataDir(): string;
}

export type MaybePromise = void | Promise<void>;

export interface BlockDefinition<Config = Record<string, unknown>, State = undefined> {
  /** Makes one node's working state: a block object serves every node that uses the block. */
  createState?(config: Readonly<Config>): State;
  /** Open what the block needs. May be async; the engine waits before delivering messages. */
  start?(ctx: BlockContext<Config, State>): MaybePromise;
  /**
   * Called once per message, in order. A returned Promise makes the next message for this
   * block wait in its queue until it settles.
   */
  onMessage?(port: string, msg: Message, ctx: BlockContext<Config, State>): MaybePromise;
  /** Flush and close. May be async. */
  stop?(ctx: BlockContext<Config, State>): MaybePromise;
}

export function defineBlock<Config = Record<string, unknown>, State = undefined>(
  definition: BlockDefinition<Config, State>,
): BlockDefinition<Config, State> {
  return definition;
}

/** Any block, whatever its config and state: what the engine's block table holds. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBlockDefinition = BlockDefinition<any, any>;

/**
 * The message's value if it is a number (a finite one when `finite`), else undefined after a
 * warning in both languages and a count under "invalid": what every numeric block does with
 * a value it cannot use.
 */
/**
 * A finite number from a reading that is not of bad quality. A bad reading (often 0 while a PLC
 * connection is down) would pass for a real value — a counter reset, a bend in a trend — so it is
 * counted under "bad" and skipped.
 */
export function goodNumberIn(msg: Message, ctx: { log: Log; metrics: Metrics }): number | undefined {
  if (msg.quality === "bad") {
    ctx.metrics.count("bad");
    return undefined;
  }
  return numberIn(msg, ctx, true);
}

export function numberIn(msg: Message, ctx: { log: Log; metrics: Metrics }, finite = false): number | undefined {
  const value = msg.value;
  if (typeof value === "number" && (finite ? Number.isFinite(value) : !Number.isNaN(value))) return value;
  const shown = typeof value === "number" ? String(value) : value === null ? "null" : typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : typeof value;
  const what = finite ? { en: "a finite number", zh: "有限数值" } : { en: "a number", zh: "数值" };
  ctx.log.warn({ en: `ignored a value that is not ${what.en}: ${shown}`, "zh-CN": `忽略了非${what.zh}的输入：${shown}` }, { source: msg.source });
  ctx.metrics.count("invalid");
  return undefined;
}
