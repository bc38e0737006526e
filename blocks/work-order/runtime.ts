import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { BlockError, defineBlock, textOrSecret, type BlockContext, type Message, type TextOrSecret } from "../../runtime/block.ts";
import { sharedDatabase } from "../../runtime/storage/index.ts";
import {
  OPERATOR_MAX, STYLE, formPage, messagePage, say, todayPage,
  type Bilingual, type Field, type FieldError, type Lang, type Order, type Reason, type TextKey,
} from "./page.ts";
import { WorkOrderReports, type NewReport, type StoredReport } from "./reports.ts";

interface Config {
  host?: string;
  port?: number;
  accessToken?: TextOrSecret;
  language?: Lang;
  title?: Bilingual;
  orders?: Order[];
  reasons?: Reason[];
  maxQuantity?: number;
}

interface State {
  server: Server | undefined;
  reports: WorkOrderReports | undefined;
  loopback: boolean;
  /** Signs the per-form CSRF tokens; kept in the node's store so open forms survive a restart. */
  csrfKey: Buffer;
  /** Set when requests need the access token: the token itself, and the cookie value that stands for it. */
  access: { token: string; cookie: string } | undefined;
  /** Orders that arrived on the `orders` port, kept in the node's store. */
  portOrders: Order[];
  day: (ts: number) => string;
  timeOfDay: (ts: number) => string;
}

type Context = BlockContext<Config, State>;

/** What the report port carries, one per accepted report: the stored row and the reason's title. */
export interface WorkOrderReport extends Omit<StoredReport, "node" | "day"> {
  reasonTitle: Bilingual | null;
}

export const DEFAULT_REASONS: readonly Reason[] = [
  { code: "dimension", title: { "zh-CN": "尺寸超差", en: "Dimension out of tolerance" } },
  { code: "surface", title: { "zh-CN": "外观缺陷", en: "Surface defect" } },
  { code: "material", title: { "zh-CN": "材料不良", en: "Material defect" } },
  { code: "setup", title: { "zh-CN": "调机废品", en: "Setup scrap" } },
  { code: "machine", title: { "zh-CN": "设备故障", en: "Machine fault" } },
  { code: "other", title: { "zh-CN": "其他", en: "Other" } },
];

const DEFAULT_PORT = 8080;
const DEFAULT_MAX_QUANTITY = 1_000_000;
/** A form filled in at the start of a shift can still be sent at its end. */
const FORM_MAX_AGE_MS = 12 * 3_600_000;
const ACCESS_COOKIE_MAX_AGE_S = 30 * 24 * 3600;
const MIN_ACCESS_TOKEN = 16;
const MAX_BODY_BYTES = 16 * 1024;
const MAX_PORT_ORDERS = 1000;
const ID_MAX = 64;
const TEXT_MAX = 100;
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");
const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
};

export default defineBlock<Config, State>({
  createState: () => ({
    server: undefined, reports: undefined, loopback: true, csrfKey: Buffer.alloc(0), access: undefined, portOrders: [],
    day: () => "", timeOfDay: () => "",
  }),

  async start(ctx) {
    const { state, config } = ctx;
    const host = config.host ?? "127.0.0.1";
    state.loopback = isLoopback(host);
    state.access = accessOf(ctx, host);
    state.csrfKey = csrfKeyOf(ctx);
    state.portOrders = ctx.store.get<Order[]>("orders") ?? [];
    const timezone = ctx.site.calendar?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    state.day = dayFormatter(timezone);
    state.timeOfDay = timeFormatter(timezone);
    state.reports = new WorkOrderReports(sharedDatabase(ctx));
    const server = createServer({ maxHeaderSize: 16 * 1024 }, (request, response) => {
      try {
        handle(ctx, request, response);
      } catch (error) {
        fail(ctx, response, error);
      }
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await listen(server, host, config.port ?? DEFAULT_PORT);
    state.server = server;
    const { port } = server.address() as AddressInfo;
    const urls = urlsOf(host, port);
    const tokenHint = state.access === undefined ? { en: "", zh: "" } : { en: " (open it once with ?token=<access token>)", zh: "（首次打开时加 ?token=<访问令牌>）" };
    ctx.log.info({ en: `work-order form at ${urls.join(", ")}${tokenHint.en}`, "zh-CN": `报工单网页：${urls.join("、")}${tokenHint.zh}` }, { url: urls[0] });
  },

  onMessage(port, msg, ctx) {
    if (port === "orders") takeOrders(ctx, msg);
  },

  async stop(ctx) {
    const server = ctx.state.server;
    ctx.state.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  },
});

// ---- start ----

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

function accessOf(ctx: Context, host: string): State["access"] {
  const configured = ctx.config.accessToken;
  if (configured === undefined) {
    if (isLoopback(host)) return undefined;
    throw new BlockError({
      en: `the work-order form would listen on '${host}', which other machines can reach, without an access token: set accessToken to a secret reference such as { secret: work-order-token }, or keep host 127.0.0.1`,
      "zh-CN": `报工单网页将监听 '${host}'（其他设备可以访问），但未配置访问令牌：请将 accessToken 设为密钥引用，例如 { secret: work-order-token }，或将 host 保持为 127.0.0.1`,
    });
  }
  const token = textOrSecret(ctx.site, configured);
  if (token.length < MIN_ACCESS_TOKEN) {
    throw new BlockError({
      en: `the work-order access token is too short (${token.length} characters): use at least ${MIN_ACCESS_TOKEN}, e.g. from 'openssl rand -hex 16'`,
      "zh-CN": `报工单访问令牌太短（${token.length} 个字符）：至少需要 ${MIN_ACCESS_TOKEN} 个字符，例如用 'openssl rand -hex 16' 生成`,
    });
  }
  // The cookie holds a value derived from the token, so the token itself is never stored by the browser.
  return { token, cookie: createHmac("sha256", token).update("dengta.report.work-order access").digest("base64url") };
}

function csrfKeyOf(ctx: Context): Buffer {
  const saved = ctx.store.get<string>("csrfKey");
  if (typeof saved === "string" && saved.length >= 43) return Buffer.from(saved, "base64url");
  const key = randomBytes(32);
  ctx.store.set("csrfKey", key.toString("base64url"));
  return key;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error) => reject(new BlockError({
      en: `the work-order form cannot listen on ${host}:${port}: ${error.message}`,
      "zh-CN": `报工单网页无法监听 ${host}:${port}：${error.message}`,
    })));
    server.listen(port, host, () => resolve());
  });
}

/** Where operators can open the form; for a wildcard host, the box's own addresses. */
function urlsOf(host: string, port: number): string[] {
  const wildcard = host === "0.0.0.0" || host === "::" || host === "[::]";
  const hosts = wildcard
    ? Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && a.family === "IPv4" && !a.internal).map((a) => a!.address)
    : [host];
  if (hosts.length === 0) hosts.push(host);
  return hosts.map((h) => `http://${h.includes(":") && !h.startsWith("[") ? `[${h}]` : h}:${port}/`);
}

function dayFormatter(timeZone: string): (ts: number) => string {
  const format = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  return (ts) => {
    const parts = Object.fromEntries(format.formatToParts(ts).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day}`;
  };
}

function timeFormatter(timeZone: string): (ts: number) => string {
  const format = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return (ts) => format.format(ts);
}

// ---- the orders port ----

function takeOrders(ctx: Context, msg: Message): void {
  const value = msg.value;
  let orders = ctx.state.portOrders;
  if (Array.isArray(value)) {
    orders = value.map((item) => orderFrom(ctx, item)).filter((o): o is Order => o !== undefined);
  } else if (typeof value === "object" && value !== null && (value as { closed?: unknown }).closed === true) {
    const id = idOf((value as { id?: unknown }).id);
    orders = orders.filter((o) => o.id !== id);
  } else {
    const order = orderFrom(ctx, value);
    if (order === undefined) return;
    const at = orders.findIndex((o) => o.id === order.id);
    if (at >= 0) orders = orders.with(at, order);
    else orders = [...orders, order];
  }
  if (orders.length > MAX_PORT_ORDERS) {
    ctx.log.warn({ en: `kept the first ${MAX_PORT_ORDERS} of ${orders.length} work orders`, "zh-CN": `工单共 ${orders.length} 个，只保留前 ${MAX_PORT_ORDERS} 个` });
    orders = orders.slice(0, MAX_PORT_ORDERS);
  }
  ctx.state.portOrders = orders;
  ctx.store.set("orders", orders);
}

function orderFrom(ctx: Context, value: unknown): Order | undefined {
  const item = typeof value === "object" && value !== null ? value as Record<string, unknown> : {};
  const id = idOf(item.id);
  const text = (v: unknown, max: number) => (typeof v === "string" && v.length <= max ? v : typeof v === "number" ? String(v) : undefined);
  const planned = item.planned;
  const plannedOk = planned === undefined || planned === null || (Number.isSafeInteger(planned) && (planned as number) >= 0);
  if (id === undefined || !plannedOk) {
    const shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
    ctx.log.warn({ en: `ignored a work order that is not { id, product, machine, planned }: ${shown}`, "zh-CN": `忽略了格式不符 { id, product, machine, planned } 的工单：${shown}` });
    ctx.metrics.count("invalid");
    return undefined;
  }
  const product = text(item.product, TEXT_MAX);
  const machine = text(item.machine, ID_MAX);
  return {
    id,
    ...(product === undefined ? {} : { product }),
    ...(machine === undefined ? {} : { machine }),
    ...(typeof planned === "number" ? { planned } : {}),
  };
}

function idOf(value: unknown): string | undefined {
  const id = typeof value === "number" && Number.isFinite(value) ? String(value) : typeof value === "string" ? value.trim() : "";
  return id.length > 0 && id.length <= ID_MAX ? id : undefined;
}

/** Config orders first; an order of the same id from the port replaces its config entry. */
function openOrders(ctx: Context): Order[] {
  const byId = new Map<string, Order>();
  for (const order of ctx.config.orders ?? []) byId.set(order.id, order);
  for (const order of ctx.state.portOrders) byId.set(order.id, order);
  return [...byId.values()];
}

// ---- HTTP ----

function handle(ctx: Context, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? "/", "http://box");
  const lang = langOf(url, ctx.config.language);
  const method = request.method ?? "GET";
  // Bound to loopback, the only names this box answers to; anything else is DNS rebinding.
  if (ctx.state.loopback && !isLoopback(hostName(request.headers.host))) return sendMessage(ctx, response, 403, lang, "badHost");
  if (!authorized(ctx, request, response, url, method, lang)) return;
  const read = method === "GET" || method === "HEAD";
  switch (url.pathname) {
    case "/":
      if (read) return showForm(ctx, request, response, url, lang);
      if (method === "POST") return receive(ctx, request, response, lang);
      return notAllowed(ctx, response, lang, "GET, HEAD, POST");
    case "/today":
      if (read) return send(response, 200, todayPage({ lang, title: ctx.config.title, day: today(ctx), reports: ctx.state.reports!.ofDay(ctx.nodeId, today(ctx)), reasons: reasonsOf(ctx), timeOfDay: ctx.state.timeOfDay }));
      return notAllowed(ctx, response, lang, "GET, HEAD");
    default:
      return sendMessage(ctx, response, 404, lang, "notFound");
  }
}

/**
 * With an access token configured, a request needs it: as ?token= (then it is swapped for an
 * HttpOnly cookie and the address is cleaned of it) or as that cookie. False when answered here.
 */
function authorized(ctx: Context, request: IncomingMessage, response: ServerResponse, url: URL, method: string, lang: Lang): boolean {
  const access = ctx.state.access;
  if (access === undefined) return true;
  const given = url.searchParams.get("token");
  if (given !== null) {
    if (!sameSecret(given, access.token)) {
      sendMessage(ctx, response, 401, lang, "unauthorized");
      return false;
    }
    if (method !== "GET" && method !== "HEAD") return true;
    url.searchParams.delete("token");
    response.writeHead(303, {
      ...SECURITY_HEADERS,
      // Only our own paths: never a Location that another site's address could be smuggled into.
      location: `${url.pathname === "/today" ? "/today" : "/"}${url.search}`,
      "set-cookie": cookie(cookieName(ctx, "access"), access.cookie, ACCESS_COOKIE_MAX_AGE_S),
    });
    response.end();
    return false;
  }
  if (sameSecret(cookiesOf(request).get(cookieName(ctx, "access")) ?? "", access.cookie)) return true;
  sendMessage(ctx, response, 401, lang, "unauthorized");
  return false;
}

function showForm(ctx: Context, request: IncomingMessage, response: ServerResponse, url: URL, lang: Lang): void {
  const session = sessionOf(ctx, request);
  const values: Partial<Record<Field, string>> = { scrap: "0" };
  let notice: { ok: boolean; text: string } | undefined;
  const savedId = url.searchParams.get("saved");
  const saved = savedId !== null && /^\d{1,15}$/.test(savedId) ? ctx.state.reports!.get(ctx.nodeId, Number(savedId)) : undefined;
  if (saved !== undefined) {
    notice = { ok: true, text: say(lang, "saved", { order: saved.order, good: saved.good, scrap: saved.scrap }) };
    // The next report is most often for the same order by the same operator.
    values.order = saved.order;
    values.operator = saved.operator;
  }
  const html = formPage({
    lang, title: ctx.config.title, orders: openOrders(ctx), reasons: reasonsOf(ctx), maxQuantity: maxQuantityOf(ctx),
    csrfToken: issueFormToken(ctx, session.id), values, errors: {}, ...(notice ? { notice } : {}),
  });
  send(response, 200, html, session.setCookie);
}

function receive(ctx: Context, request: IncomingMessage, response: ServerResponse, lang: Lang): void {
  if (!sameOrigin(request)) {
    ctx.metrics.count("rejected");
    return sendMessage(ctx, response, 403, lang, "crossOrigin");
  }
  const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return sendMessage(ctx, response, 415, lang, "unsupportedType");
  if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return sendMessage(ctx, response, 413, lang, "bodyTooLarge", { connection: "close" });
  readBody(request, MAX_BODY_BYTES).then((body) => {
    if (body === undefined) return sendMessage(ctx, response, 413, lang, "bodyTooLarge", { connection: "close" });
    try {
      accept(ctx, request, response, lang, new URLSearchParams(body));
    } catch (error) {
      fail(ctx, response, error);
    }
  }, (error: unknown) => fail(ctx, response, error));
}

function accept(ctx: Context, request: IncomingMessage, response: ServerResponse, lang: Lang, form: URLSearchParams): void {
  const session = cookiesOf(request).get(cookieName(ctx, "sid"));
  const formToken = form.get("csrf") ?? "";
  if (session === undefined || !validFormToken(ctx, session, formToken)) {
    ctx.metrics.count("rejected");
    return sendMessage(ctx, response, 403, lang, "csrf");
  }
  const orders = openOrders(ctx);
  const reasons = reasonsOf(ctx);
  const checked = checkReport(form, orders, reasons, maxQuantityOf(ctx));
  if (checked.report === undefined) {
    ctx.metrics.count("refused");
    const html = formPage({
      lang, title: ctx.config.title, orders, reasons, maxQuantity: maxQuantityOf(ctx),
      csrfToken: issueFormToken(ctx, session), values: checked.values, errors: checked.errors,
    });
    return send(response, 400, html);
  }
  const fields = checked.report;
  const order = orders.find((o) => o.id === fields.order)!;
  const submittedAt = ctx.clock.now();
  const remoteAddress = request.socket.remoteAddress?.replace(/^::ffff:(?=\d+\.)/, "") ?? null;
  const row: NewReport = {
    node: ctx.nodeId, formToken, submittedAt, day: ctx.state.day(submittedAt),
    order: order.id, product: order.product ?? null, machine: order.machine ?? null, planned: order.planned ?? null,
    good: fields.good, scrap: fields.scrap, reason: fields.reason, operator: fields.operator, remoteAddress,
  };
  const id = ctx.state.reports!.add(row);
  if (id === undefined) {
    ctx.metrics.count("duplicates");
    return sendMessage(ctx, response, 409, lang, "replay");
  }
  ctx.metrics.count("reports");
  const report: WorkOrderReport = {
    id, order: row.order, product: row.product, machine: row.machine, planned: row.planned, good: row.good, scrap: row.scrap,
    reason: row.reason, reasonTitle: reasons.find((r) => r.code === row.reason)?.title ?? null,
    operator: row.operator, submittedAt, remoteAddress,
  };
  ctx.emit("report", report, { ts: submittedAt });
  // Post/redirect/get: reloading the page after a report does not send it again.
  response.writeHead(303, { ...SECURITY_HEADERS, location: `/?lang=${lang}&saved=${id}` });
  response.end();
}

// ---- validation ----

interface CheckedReport {
  values: Partial<Record<Field, string>>;
  errors: Partial<Record<Field, FieldError>>;
  report?: { order: string; good: number; scrap: number; reason: string | null; operator: string };
}

/** The form's fields checked as the operator entered them; errors are per field, worded later in the page's language. */
export function checkReport(form: URLSearchParams, orders: readonly Order[], reasons: readonly Reason[], maxQuantity: number): CheckedReport {
  // Echoed back into the form, so cut to a sane length first.
  const raw = (name: Field) => (form.get(name) ?? "").slice(0, 200).trim();
  const values: Partial<Record<Field, string>> = {};
  const errors: Partial<Record<Field, FieldError>> = {};
  for (const name of ["order", "good", "scrap", "reason", "operator"] as const) values[name] = raw(name);

  const order = values.order!;
  if (order === "") errors.order = { key: "required" };
  else if (!orders.some((o) => o.id === order)) errors.order = { key: "unknownOrder" };

  const quantity = (name: "good" | "scrap"): number | undefined => {
    // NFKC turns full-width digits from a Chinese keyboard (１２) into 12.
    const text = values[name]!.normalize("NFKC").trim();
    let error: FieldError | undefined;
    if (text === "") error = { key: "required" };
    else if (!/^\d+$/.test(text)) error = { key: "notInteger" };
    else if (text.replace(/^0+(?=\d)/, "").length > 15 || Number(text) > maxQuantity) error = { key: "tooLarge", values: { max: maxQuantity } };
    if (error === undefined) return Number(text);
    errors[name] = error;
    return undefined;
  };
  const good = quantity("good");
  const scrap = quantity("scrap");

  const reasonCode = values.reason!;
  if (reasonCode !== "" && !reasons.some((r) => r.code === reasonCode)) errors.reason = { key: "unknownReason" };
  else if (reasonCode === "" && scrap !== undefined && scrap > 0) errors.reason = { key: "reasonRequired" };

  const operator = values.operator!.normalize("NFC");
  if (operator === "") errors.operator = { key: "required" };
  else if ([...operator].length > OPERATOR_MAX) errors.operator = { key: "tooLong", values: { max: OPERATOR_MAX } };
  else if (/\p{Cc}/u.test(operator)) errors.operator = { key: "controlCharacters" };

  if (Object.keys(errors).length > 0 || good === undefined || scrap === undefined) return { values, errors };
  return { values, errors, report: { order, good, scrap, reason: scrap > 0 ? reasonCode : null, operator } };
}

// ---- CSRF: a token per form, signed for the browser's session cookie ----

function sessionOf(ctx: Context, request: IncomingMessage): { id: string; setCookie?: string } {
  const name = cookieName(ctx, "sid");
  const existing = cookiesOf(request).get(name);
  if (existing !== undefined && /^[A-Za-z0-9_-]{22,64}$/.test(existing)) return { id: existing };
  const id = randomBytes(18).toString("base64url");
  return { id, setCookie: cookie(name, id) };
}

function issueFormToken(ctx: Context, session: string): string {
  const issued = ctx.clock.now().toString(36);
  const nonce = randomBytes(18).toString("base64url");
  return `${issued}.${nonce}.${formTokenMac(ctx, session, issued, nonce)}`;
}

/** Signed for this session and young enough; whether it was used already, the database says. */
function validFormToken(ctx: Context, session: string, token: string): boolean {
  if (token.length > 200) return false;
  const [issued, nonce, mac, extra] = token.split(".");
  if (issued === undefined || nonce === undefined || mac === undefined || extra !== undefined) return false;
  if (!/^[0-9a-z]{1,12}$/.test(issued) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return false;
  if (!sameSecret(mac, formTokenMac(ctx, session, issued, nonce))) return false;
  const age = ctx.clock.now() - parseInt(issued, 36);
  return age <= FORM_MAX_AGE_MS && age >= -60_000;
}

function formTokenMac(ctx: Context, session: string, issued: string, nonce: string): string {
  return createHmac("sha256", ctx.state.csrfKey).update(`${ctx.nodeId}\n${session}\n${issued}\n${nonce}`).digest("base64url");
}

/** A POST must say it comes from a page of this very address (Origin, or Referer when a browser leaves Origin out). */
function sameOrigin(request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (host === undefined) return false;
  const expected = `http://${host}`.toLowerCase();
  const origin = request.headers.origin;
  if (origin !== undefined) return origin.toLowerCase() === expected;
  const referer = request.headers.referer;
  if (referer === undefined) return false;
  try {
    return new URL(referer).origin.toLowerCase() === expected;
  } catch {
    return false;
  }
}

// ---- small pieces ----

function langOf(url: URL, configured: Lang | undefined): Lang {
  const asked = url.searchParams.get("lang");
  if (asked !== null && /^en\b/i.test(asked)) return "en";
  if (asked !== null && /^zh\b/i.test(asked)) return "zh-CN";
  return configured ?? "zh-CN";
}

function reasonsOf(ctx: Context): readonly Reason[] {
  return ctx.config.reasons ?? DEFAULT_REASONS;
}

function maxQuantityOf(ctx: Context): number {
  return ctx.config.maxQuantity ?? DEFAULT_MAX_QUANTITY;
}

function today(ctx: Context): string {
  return ctx.state.day(ctx.clock.now());
}

function hostName(host: string | undefined): string {
  if (host === undefined) return "";
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  return host.replace(/:\d+$/, "").toLowerCase();
}

function cookieName(ctx: Context, what: "sid" | "access"): string {
  return `dengta-wo-${ctx.nodeId.replace(/[^A-Za-z0-9_-]/g, "_")}-${what}`;
}

function cookie(name: string, value: string, maxAgeS?: number): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict${maxAgeS === undefined ? "" : `; Max-Age=${maxAgeS}`}`;
}

function cookiesOf(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    request.on("end", () => resolve(over ? undefined : Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, html: string, setCookie?: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "text/html; charset=utf-8",
    ...(setCookie === undefined ? {} : { "set-cookie": setCookie }),
    ...extra,
  });
  response.end(html);
}

function sendMessage(ctx: Context, response: ServerResponse, status: number, lang: Lang, key: TextKey, extra: Record<string, string> = {}): void {
  send(response, status, messagePage(lang, ctx.config.title, say(lang, key)), undefined, extra);
}

function notAllowed(ctx: Context, response: ServerResponse, lang: Lang, allow: string): void {
  sendMessage(ctx, response, 405, lang, "methodNotAllowed", { allow });
}

function fail(ctx: Context, response: ServerResponse, error: unknown): void {
  const text = error instanceof Error ? error.message : String(error);
  ctx.log.error({ en: `work-order request failed: ${text}`, "zh-CN": `报工请求处理失败：${text}` });
  if (response.headersSent) {
    response.destroy();
    return;
  }
  send(response, 500, messagePage(ctx.config.language ?? "zh-CN", ctx.config.title, say(ctx.config.language ?? "zh-CN", "serverError")));
}
