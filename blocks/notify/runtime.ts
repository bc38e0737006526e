import { createHmac } from "node:crypto";
import { BlockError, defineBlock, textOrSecret, type BlockContext, type Message, type TimerHandle } from "../../runtime/block.ts";

type Bot = "webhook" | "wecom" | "dingtalk" | "feishu";
type Language = "en" | "zh-CN" | "both";
type Words = { en: string; "zh-CN": string };

interface Config {
  bot: Bot;
  url?: string;
  token?: { secret: string };
  signSecret?: { secret: string };
  format?: "text" | "markdown";
  template?: string;
  title?: Words;
  language?: Language;
  minIntervalMs?: number;
  retries?: number;
  retryMs?: number;
  timeoutMs?: number;
}

/** One notification: a message and how many others it stands for. */
interface Notification {
  msg: Message;
  more: number;
}

interface State {
  token: string | undefined;
  signSecret: string | undefined;
  /** A notification is on its way: in a request or waiting to retry. One at a time, in order. */
  busy: boolean;
  /** The latest message not yet sent; older ones it replaced are counted in `more`. */
  held: Message | undefined;
  more: number;
  /** ctx.clock time of the last request, for minIntervalMs. */
  lastRequestAt: number | undefined;
  timer: TimerHandle | undefined;
  /** The request in flight, so stop can wait for it (bounded by timeoutMs). */
  request: Promise<void> | undefined;
  /** A notification waiting to retry when the APP stops: reported, not sent. */
  retrying: Notification | undefined;
  stopped: boolean;
}

type Context = BlockContext<Config, State>;

const OFFICIAL_URLS: Record<Exclude<Bot, "webhook">, string> = {
  wecom: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
  dingtalk: "https://oapi.dingtalk.com/robot/send",
  feishu: "https://open.feishu.cn/open-apis/bot/v2/hook",
};

/** Answers meaning "too many messages": worth waiting and retrying, unlike other codes. */
const RATE_LIMIT_CODES: Record<Bot, readonly number[]> = {
  webhook: [],
  wecom: [45009], // api freq out of limit (20 messages per minute per bot)
  dingtalk: [130101], // send too fast, exceed 20 times per minute
  feishu: [11232, 99991400], // custom bot frequency limit; Open Platform "request trigger frequency limit"
};

const BOT_NAMES: Record<Bot, Words> = {
  webhook: { en: "webhook", "zh-CN": "Webhook" },
  wecom: { en: "WeCom bot", "zh-CN": "企业微信群机器人" },
  dingtalk: { en: "DingTalk bot", "zh-CN": "钉钉机器人" },
  feishu: { en: "Feishu bot", "zh-CN": "飞书机器人" },
};

/** WeCom refuses longer content (text 2048 bytes, markdown 4096 bytes). */
const WECOM_MAX_BYTES = { text: 2048, markdown: 4096 };
const MAX_RETRY_MS = 60_000;
/** WeCom and DingTalk count per minute: a shorter wait after their rate-limit answer only fails again. */
const RATE_LIMIT_WAIT_MS = 60_000;

export default defineBlock<Config, State>({
  createState: () => ({
    token: undefined, signSecret: undefined, busy: false, held: undefined, more: 0,
    lastRequestAt: undefined, timer: undefined, request: undefined, retrying: undefined, stopped: false,
  }),

  start(ctx) {
    const { config, state } = ctx;
    if (config.bot === "webhook" && config.url === undefined) {
      throw new BlockError({ en: "a webhook needs 'url'", "zh-CN": "webhook 需要填写 'url'" });
    }
    if (config.bot !== "webhook" && config.token === undefined) {
      throw new BlockError({ en: `a ${BOT_NAMES[config.bot].en} needs 'token' as { secret: name }`, "zh-CN": `${BOT_NAMES[config.bot]["zh-CN"]}需要以 { secret: 名称 } 填写 'token'` });
    }
    // Read now so that a missing secret stops the APP at start, not at the first alarm.
    state.token = config.token === undefined ? undefined : textOrSecret(ctx.site, config.token);
    state.signSecret = config.signSecret === undefined ? undefined : textOrSecret(ctx.site, config.signSecret);
  },

  onMessage(_port, msg, ctx) {
    const { state } = ctx;
    if (state.held !== undefined) {
      state.more++;
      ctx.metrics.count("dropped");
    }
    state.held = msg;
    pump(ctx);
  },

  async stop(ctx) {
    const { state } = ctx;
    state.stopped = true;
    if (state.timer !== undefined) ctx.clock.clear(state.timer);
    state.timer = undefined;
    await state.request;
    const unsent = (state.retrying === undefined ? 0 : 1 + state.retrying.more) + (state.held === undefined ? 0 : 1 + state.more);
    if (unsent > 0) {
      ctx.log.info(
        { en: `stopped with ${unsent} messages not notified`, "zh-CN": `停止时有 ${unsent} 条消息未发送通知` },
        { unsent },
      );
    }
  },
});

/** Sends the held message if nothing is on its way and the interval has passed; else waits for that. */
function pump(ctx: Context): void {
  const { state } = ctx;
  if (state.stopped || state.busy || state.held === undefined || state.timer !== undefined) return;
  const now = ctx.clock.now();
  const due = state.lastRequestAt === undefined ? now : state.lastRequestAt + (ctx.config.minIntervalMs ?? 3000);
  if (due > now) {
    state.timer = ctx.clock.setTimeout(() => {
      state.timer = undefined;
      pump(ctx);
    }, due - now);
    return;
  }
  const notification = { msg: state.held, more: state.more };
  state.held = undefined;
  state.more = 0;
  state.busy = true;
  attempt(ctx, notification, 0);
}

function attempt(ctx: Context, notification: Notification, retry: number): void {
  const { state } = ctx;
  state.retrying = undefined;
  state.lastRequestAt = ctx.clock.now();
  let request: OutgoingRequest;
  try {
    request = buildRequest(ctx.config, { token: state.token, signSecret: state.signSecret }, notification, renderContext(ctx), Date.now());
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    settle(ctx, notification, retry, { kind: "failed", reason: { en: `cannot build the request: ${text}`, "zh-CN": `无法生成请求：${text}` }, fields: {} });
    return;
  }
  state.request = send(request, ctx.config.timeoutMs ?? 10_000)
    .then((answer) => {
      state.request = undefined;
      settle(ctx, notification, retry, judge(ctx.config.bot, answer));
    })
    .catch((error: unknown) => {
      // Nothing here may reject unhandled: that would end the box's process, not just this node.
      const text = error instanceof Error ? error.message : String(error);
      ctx.log.error({ en: `notification failed: ${text}`, "zh-CN": `通知失败：${text}` });
      state.request = undefined;
      state.busy = false;
      state.retrying = undefined;
    });
}

function settle(ctx: Context, notification: Notification, retry: number, outcome: Outcome): void {
  const { state } = ctx;
  const bot = BOT_NAMES[ctx.config.bot];
  if (outcome.kind === "sent") {
    ctx.metrics.count("sent");
    finish(ctx);
    return;
  }
  const retries = ctx.config.retries ?? 3;
  if (outcome.kind === "retry" && retry < retries) {
    ctx.metrics.count("retries");
    const backoff = Math.min((ctx.config.retryMs ?? 1000) * 2 ** retry, MAX_RETRY_MS);
    const waitMs = outcome.waitMs ?? (outcome.rateLimited ? Math.max(backoff, RATE_LIMIT_WAIT_MS) : backoff);
    // One line per notification, not one per attempt: an outage must not fill the log.
    if (retry === 0) {
      ctx.log.warn(
        { en: `${bot.en}: ${outcome.reason.en}; retrying (up to ${retries} times)`, "zh-CN": `${bot["zh-CN"]}：${outcome.reason["zh-CN"]}；将重试（最多 ${retries} 次）` },
        outcome.fields,
      );
    }
    state.retrying = notification;
    if (state.stopped) return; // reported by stop as not sent
    state.timer = ctx.clock.setTimeout(() => {
      state.timer = undefined;
      attempt(ctx, notification, retry + 1);
    }, waitMs);
    return;
  }
  ctx.metrics.count("failed");
  const lost = notification.more > 0 ? { en: ` (with ${notification.more} more)`, "zh-CN": `（连同另外 ${notification.more} 条）` } : { en: "", "zh-CN": "" };
  const gaveUp = outcome.kind === "retry" ? { en: ` after ${retries} retries`, "zh-CN": `，已重试 ${retries} 次` } : { en: "", "zh-CN": "" };
  ctx.log.error(
    {
      en: `${bot.en}: notification not sent${lost.en}${gaveUp.en}: ${outcome.reason.en}`,
      "zh-CN": `${bot["zh-CN"]}：通知未发送${lost["zh-CN"]}${gaveUp["zh-CN"]}：${outcome.reason["zh-CN"]}`,
    },
    { ...outcome.fields, source: notification.msg.source },
  );
  finish(ctx);
}

function finish(ctx: Context): void {
  ctx.state.busy = false;
  ctx.state.retrying = undefined;
  pump(ctx);
}

// ---------------------------------------------------------------------------------------------
// What is sent: pure functions of the config, the secrets, the notification and the wall time.

interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

interface RenderContext {
  /** IANA time zone for {ts}; ISO 8601 UTC when undefined. */
  timezone: string | undefined;
}

function renderContext(ctx: Context): RenderContext {
  return { timezone: ctx.site.calendar?.timezone };
}

/**
 * `nowMs` is wall time, not ctx.clock: DingTalk and Feishu refuse a signature whose timestamp is
 * more than an hour from their own clock, whatever time the APP runs on (replay, simulator).
 */
function buildRequest(
  config: Readonly<Config>,
  secrets: { token: string | undefined; signSecret: string | undefined },
  notification: Notification,
  render: RenderContext,
  nowMs: number,
): OutgoingRequest {
  const json = { "content-type": "application/json; charset=utf-8" };
  const text = notificationText(config, notification, render);
  const format = config.format ?? "text";
  switch (config.bot) {
    case "webhook": {
      const body = config.template === undefined ? messageJson(config, notification) : text;
      const headers: Record<string, string> = config.template === undefined ? { ...json } : { "content-type": "text/plain; charset=utf-8" };
      if (secrets.signSecret !== undefined) headers["x-dengta-signature"] = `sha256=${createHmac("sha256", secrets.signSecret).update(body, "utf8").digest("hex")}`;
      return { url: config.url!, headers, body };
    }
    case "wecom": {
      const url = new URL(config.url ?? OFFICIAL_URLS.wecom);
      url.searchParams.set("key", secrets.token!);
      const content = truncateUtf8(text, WECOM_MAX_BYTES[format]);
      const body = format === "markdown" ? { msgtype: "markdown", markdown: { content } } : { msgtype: "text", text: { content } };
      return { url: url.href, headers: json, body: JSON.stringify(body) };
    }
    case "dingtalk": {
      const url = new URL(config.url ?? OFFICIAL_URLS.dingtalk);
      url.searchParams.set("access_token", secrets.token!);
      if (secrets.signSecret !== undefined) {
        const timestamp = String(nowMs);
        url.searchParams.set("timestamp", timestamp);
        // searchParams encodes the base64 "+", "/" and "=" as %2B, %2F, %3D: the "urlEncode" step.
        url.searchParams.set("sign", dingtalkSign(timestamp, secrets.signSecret));
      }
      const body = format === "markdown"
        ? { msgtype: "markdown", markdown: { title: markdownTitle(config, text), text } }
        : { msgtype: "text", text: { content: text } };
      return { url: url.href, headers: json, body: JSON.stringify(body) };
    }
    case "feishu": {
      const base = (config.url ?? OFFICIAL_URLS.feishu).replace(/\/+$/, "");
      const url = `${base}/${encodeURIComponent(secrets.token!)}`;
      const signed = secrets.signSecret === undefined ? {} : (() => {
        const timestamp = String(Math.floor(nowMs / 1000));
        return { timestamp, sign: feishuSign(timestamp, secrets.signSecret) };
      })();
      return { url, headers: json, body: JSON.stringify({ ...signed, msg_type: "text", content: { text } }) };
    }
  }
}

/** DingTalk 加签: HMAC-SHA256 keyed with the secret over "timestamp\nsecret", base64. */
function dingtalkSign(timestampMs: string, secret: string): string {
  return createHmac("sha256", secret).update(`${timestampMs}\n${secret}`, "utf8").digest("base64");
}

/** Feishu 签名校验: HMAC-SHA256 keyed with "timestamp\nsecret" over an empty message, base64. */
function feishuSign(timestampSeconds: string, secret: string): string {
  return createHmac("sha256", `${timestampSeconds}\n${secret}`).update("").digest("base64");
}

/** The title, the message through the template, and the (+N more) note, in the chosen language. */
function notificationText(config: Readonly<Config>, notification: Notification, render: RenderContext): string {
  const language = config.language ?? "both";
  const body = fillTemplate(config.template ?? "{value}", notification.msg, render);
  const title = config.title === undefined ? "" : titlePrefix(config.title, language, config.format === "markdown");
  return `${title}${body}${moreNote(notification.more, language)}`;
}

/** In markdown the title is a bold line of its own, so a template starting with a heading stays one. */
function titlePrefix(title: Words, language: Language, markdown: boolean): string {
  if (markdown) return `**${titleText(title, language)}**\n`;
  if (language === "en") return `[${title.en}] `;
  if (language === "zh-CN") return `【${title["zh-CN"]}】`;
  return `[${title.en} / ${title["zh-CN"]}] `;
}

function titleText(title: Words, language: Language): string {
  return language === "both" ? `${title.en} / ${title["zh-CN"]}` : title[language];
}

function moreNote(more: number, language: Language): string {
  if (more === 0) return "";
  if (language === "en") return ` (+${more} more)`;
  if (language === "zh-CN") return `（另有 ${more} 条）`;
  return ` (+${more} more / 另有 ${more} 条)`;
}

function fillTemplate(template: string, msg: Message, render: RenderContext): string {
  return template.replace(/\{(value|source|ts|quality)\}/g, (_, name: string) => {
    switch (name) {
      case "value": return valueText(msg.value);
      case "source": return msg.source;
      case "ts": return timeText(msg.ts, render.timezone);
      default: return msg.quality;
    }
  });
}

function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return JSON.stringify(value) ?? String(value);
}

/** ISO 8601 UTC; in the site's time zone when the binding gives one, as an operator reads a clock. */
function timeText(ts: number, timezone: string | undefined): string {
  if (timezone === undefined) return new Date(ts).toISOString();
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(ts));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}:${part("second")}`;
}

function messageJson(config: Readonly<Config>, notification: Notification): string {
  const { msg, more } = notification;
  const language = config.language ?? "both";
  const title = config.title === undefined ? {} : { title: titleText(config.title, language) };
  return JSON.stringify({ ts: new Date(msg.ts).toISOString(), source: msg.source, quality: msg.quality, value: msg.value ?? null, ...title, ...(more > 0 ? { more } : {}) });
}

function markdownTitle(config: Readonly<Config>, text: string): string {
  const language = config.language ?? "both";
  if (config.title !== undefined) return titleText(config.title, language);
  return [...(text.split("\n")[0] ?? "")].slice(0, 64).join("");
}

/** Cut at a character boundary so the UTF-8 encoding fits, marking the cut with "…". */
function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  const ellipsis = "…";
  let bytes = Buffer.byteLength(ellipsis, "utf8");
  let out = "";
  for (const char of text) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out + ellipsis;
}

// ---------------------------------------------------------------------------------------------
// The answer and what it means.

interface Answer {
  status: number | undefined;
  headers: Headers | undefined;
  text: string;
  /** Set when no HTTP answer came: refused, reset, timed out. */
  networkError: string | undefined;
}

type Outcome =
  | { kind: "sent" }
  | { kind: "retry"; rateLimited: boolean; waitMs: number | undefined; reason: Words; fields: Record<string, unknown> }
  | { kind: "failed"; reason: Words; fields: Record<string, unknown> };

async function send(request: OutgoingRequest, timeoutMs: number): Promise<Answer> {
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      // Outbound only to the configured address: a redirect is reported, never followed.
      redirect: "manual",
      // Wall time on purpose: a network timeout is about the network, not the APP's clock.
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, networkError: undefined };
  } catch (error) {
    return { status: undefined, headers: undefined, text: "", networkError: networkErrorText(error) };
  }
}

/** Never the URL: for the bots it carries the key or the access token. */
function networkErrorText(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timed out";
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function judge(bot: Bot, answer: Answer): Outcome {
  if (answer.networkError !== undefined) {
    return { kind: "retry", rateLimited: false, waitMs: undefined, reason: { en: `no answer (${answer.networkError})`, "zh-CN": `无应答（${answer.networkError}）` }, fields: { error: answer.networkError } };
  }
  const status = answer.status!;
  const reply = botReply(bot, answer.text);
  const codeText = reply === undefined ? "" : ` ${reply.code}${reply.message === "" ? "" : ` "${reply.message}"`}`;
  const fields: Record<string, unknown> = { status, ...(reply === undefined ? {} : { code: reply.code, message: reply.message }) };
  if (status >= 300 && status < 400) {
    return { kind: "failed", reason: { en: `HTTP ${status}: redirects are not followed`, "zh-CN": `HTTP ${status}：不跟随重定向` }, fields };
  }
  const rateLimited = status === 429 || (reply !== undefined && RATE_LIMIT_CODES[bot].includes(reply.code));
  if (rateLimited || status >= 500) {
    const reason = rateLimited
      ? { en: `rate limited (HTTP ${status}${codeText})`, "zh-CN": `被限流（HTTP ${status}${codeText}）` }
      : { en: `HTTP ${status}${codeText}`, "zh-CN": `HTTP ${status}${codeText}` };
    return { kind: "retry", rateLimited, waitMs: askedWaitMs(answer.headers), reason, fields };
  }
  if (status < 200 || status >= 300) {
    return { kind: "failed", reason: { en: `HTTP ${status}${codeText}`, "zh-CN": `HTTP ${status}${codeText}` }, fields };
  }
  if (bot === "webhook") return { kind: "sent" };
  if (reply === undefined) {
    const shown = answer.text.slice(0, 80);
    return { kind: "failed", reason: { en: `unexpected answer: ${JSON.stringify(shown)}`, "zh-CN": `无法识别的应答：${JSON.stringify(shown)}` }, fields };
  }
  if (reply.code === 0) return { kind: "sent" };
  return {
    kind: "failed",
    reason: { en: `refused with error code${codeText}`, "zh-CN": `拒收，错误码${codeText}` },
    fields,
  };
}

/** WeCom and DingTalk answer {errcode, errmsg}; Feishu {code, msg}, older hooks {StatusCode, StatusMessage}. */
function botReply(bot: Bot, text: string): { code: number; message: string } | undefined {
  if (bot === "webhook") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const code = bot === "feishu" ? record.code ?? record.StatusCode : record.errcode;
  const message = bot === "feishu" ? record.msg ?? record.StatusMessage : record.errmsg;
  if (typeof code !== "number") return undefined;
  return { code, message: typeof message === "string" ? message : "" };
}

/** Retry-After (seconds), or Feishu's x-ogw-ratelimit-reset (seconds). */
function askedWaitMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get("retry-after") ?? headers?.get("x-ogw-ratelimit-reset");
  if (value === null || value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, 10 * 60_000) : undefined;
}
