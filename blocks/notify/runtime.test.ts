import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BlockError } from "../../runtime/block.ts";
import { runInHarness, type HarnessRun } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import { freePort } from "../../test/support/mosquitto.ts";
import notify from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);

// ---------------------------------------------------------------------------------------------
// A bot on 127.0.0.1: records every request as it came, answers from a script.

interface Received {
  path: string;
  /** The query as sent, still percent-encoded. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The APP's clock (virtual) when the request arrived. */
  at: number;
}

type Reply = { status?: number; body?: unknown; headers?: Record<string, string> } | "hang";

interface Receiver {
  base: string;
  received: Received[];
  /** Answers for the next requests, in order; then `fallback`. */
  replies: Reply[];
  fallback: Reply;
  clock: () => number;
  close(): Promise<void>;
}

const receivers: Receiver[] = [];
const runs: HarnessRun[] = [];

afterEach(async () => {
  await Promise.all(runs.splice(0).map((run) => run.stop()));
  await Promise.all(receivers.splice(0).map((rx) => rx.close()));
});

async function startReceiver(fallback: Reply = { body: { errcode: 0, errmsg: "ok" } }): Promise<Receiver> {
  const hanging: ServerResponse[] = [];
  const rx: Receiver = {
    base: "", received: [], replies: [], fallback, clock: () => 0,
    close: () => new Promise((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const [path = "", rawQuery = ""] = (req.url ?? "").split("?");
      rx.received.push({ path, rawQuery, query: new URLSearchParams(rawQuery), headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: rx.clock() });
      const reply = rx.replies.shift() ?? rx.fallback;
      if (reply === "hang") {
        hanging.push(res);
        return;
      }
      res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
      res.end(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  rx.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receivers.push(rx);
  return rx;
}

// ---------------------------------------------------------------------------------------------
// The block in the harness, its config validated (and defaults filled) as a bundle would be.

const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();

interface Started {
  run: HarnessRun;
  /** The run's log lines: only the notify node logs here. */
  logs: HarnessRun["logs"];
  counter(name: string): number;
}

async function startNotify(config: Record<string, unknown>, options: { secrets?: Record<string, string>; timezone?: string; rx?: Receiver } = {}): Promise<Started> {
  const final = structuredClone(config);
  expect(validateConfig(final), JSON.stringify(validateConfig.errors)).toBe(true);
  const secrets = options.secrets ?? {};
  const run = await runInHarness({
    nodes: { notify: { block: notify, config: final, outputs: [] } },
    inject: ["notify.in"],
    startMs: START,
    site: {
      endpoints: {}, cameras: {}, secret: (name) => secrets[name],
      ...(options.timezone === undefined ? {} : { calendar: { timezone: options.timezone, shifts: [] } }),
    },
  });
  runs.push(run);
  if (options.rx !== undefined) options.rx.clock = () => run.clock.now();
  return { run, logs: run.logs, counter: (name) => run.engine.counters()[`notify.${name}`] ?? 0 };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Waits for the block's next timer (a retry or the end of minIntervalMs) and fires it. */
async function fireNextTimer(run: HarnessRun): Promise<void> {
  await waitFor(() => run.clock.pendingTimers() > 0, "the block's next timer");
  run.clock.fireNext();
}

const hmacHex = (key: string, body: string) => createHmac("sha256", key).update(body, "utf8").digest("hex");
const hmacBase64 = (key: string, message: string) => createHmac("sha256", key).update(message, "utf8").digest("base64");

// ---------------------------------------------------------------------------------------------

describe("dengta.notify.bot", () => {
  it("posts a message to a webhook as JSON, signed with X-Dengta-Signature over the exact body", async () => {
    const rx = await startReceiver({ status: 204 });
    const n = await startNotify(
      { bot: "webhook", url: `${rx.base}/hooks/plant?line=2`, signSecret: { secret: "hook-secret" }, minIntervalMs: 0 },
      { secrets: { "hook-secret": "w3bh00k-k3y" }, rx },
    );
    n.run.send("notify.in", 21.5, START + 1);
    await waitFor(() => n.counter("sent") === 1, "first sent");
    n.run.engine.emitFrom("__inject", "p0", { a: [1, "x"], t: "温度" }, { ts: START + 2, quality: "uncertain" });
    await waitFor(() => n.counter("sent") === 2, "second sent");

    const [first, second] = rx.received;
    expect(first!.path).toBe("/hooks/plant");
    expect(first!.rawQuery).toBe("line=2");
    expect(first!.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(first!.body)).toEqual({ ts: "2026-01-01T00:00:00.001Z", source: "__inject", quality: "good", value: 21.5 });
    expect(JSON.parse(second!.body)).toEqual({ ts: "2026-01-01T00:00:00.002Z", source: "__inject", quality: "uncertain", value: { a: [1, "x"], t: "温度" } });
    for (const r of rx.received) {
      // Recomputed here over the bytes received: the header proves the body and the key.
      expect(r.headers["x-dengta-signature"]).toBe(`sha256=${hmacHex("w3bh00k-k3y", r.body)}`);
      expect(r.headers["x-dengta-signature"]).not.toBe(`sha256=${hmacHex("another-key", r.body)}`);
    }
    expect(n.logs).toEqual([]);
  });

  it("fills the text template, with the title in the chosen language and {ts} in the site's time zone", async () => {
    const rx = await startReceiver({ status: 200, body: "" });
    const base = { bot: "webhook", url: `${rx.base}/t`, template: "{source} {quality}: {value} @ {ts}", title: { en: "Line 2", "zh-CN": "二号线" }, minIntervalMs: 0 };
    for (const [language, prefix] of [["zh-CN", "【二号线】"], ["en", "[Line 2] "], [undefined, "[Line 2 / 二号线] "]] as const) {
      const n = await startNotify({ ...base, ...(language === undefined ? {} : { language }) }, { timezone: "Asia/Shanghai", rx });
      n.run.send("notify.in", "炉温过高 / furnace too hot", START + 1);
      await waitFor(() => n.counter("sent") === 1, `sent in ${language}`);
      const r = rx.received.at(-1)!;
      expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(r.headers["x-dengta-signature"]).toBeUndefined();
      expect(r.body).toBe(`${prefix}__inject good: 炉温过高 / furnace too hot @ 2026-01-01 08:00:00`);
    }
    const utc = await startNotify({ bot: "webhook", url: `${rx.base}/t`, template: "{value} at {ts}", minIntervalMs: 0 }, { rx });
    utc.run.send("notify.in", 7, START + 1);
    await waitFor(() => utc.counter("sent") === 1, "sent without a time zone");
    expect(rx.received.at(-1)!.body).toBe("7 at 2026-01-01T00:00:00.001Z");
  });

  it("sends to a WeCom group bot: key from a secret in the query, text or markdown, over-long text cut to 2048 bytes", async () => {
    const rx = await startReceiver();
    const key = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
    const url = `${rx.base}/cgi-bin/webhook/send`;
    const md = await startNotify({ bot: "wecom", url, token: { secret: "wecom-key" }, format: "markdown", template: "**{source}** 报警：{value}" }, { secrets: { "wecom-key": key }, rx });
    md.run.send("notify.in", "<font color=\"warning\">E-stop</font>");
    await waitFor(() => md.counter("sent") === 1, "markdown sent");
    const r = rx.received[0]!;
    expect(r.path).toBe("/cgi-bin/webhook/send");
    expect(r.query.get("key")).toBe(key);
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(r.body)).toEqual({ msgtype: "markdown", markdown: { content: "**__inject** 报警：<font color=\"warning\">E-stop</font>" } });

    const text = await startNotify({ bot: "wecom", url, token: { secret: "wecom-key" } }, { secrets: { "wecom-key": key }, rx });
    text.run.send("notify.in", "报".repeat(1000));
    await waitFor(() => text.counter("sent") === 1, "text sent");
    const body = JSON.parse(rx.received[1]!.body) as { msgtype: string; text: { content: string } };
    expect(body.msgtype).toBe("text");
    expect(Buffer.byteLength(body.text.content, "utf8")).toBeLessThanOrEqual(2048);
    expect(body.text.content).toBe(`${"报".repeat(681)}…`);
  });

  it("signs for a DingTalk bot: timestamp (ms, wall time) and sign = urlencode(base64(HMAC-SHA256(secret, timestamp\\nsecret)))", async () => {
    const rx = await startReceiver();
    const token = "ff6cd723bdb4455fe18aaaaba30dbeff007f5";
    const secret = "SECa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
    const n = await startNotify(
      { bot: "dingtalk", url: `${rx.base}/robot/send`, token: { secret: "ding-token" }, signSecret: { secret: "ding-sign" }, minIntervalMs: 0 },
      { secrets: { "ding-token": token, "ding-sign": secret }, rx },
    );
    const before = Date.now();
    for (let i = 1; i <= 5; i++) {
      n.run.send("notify.in", i * 1.5);
      await waitFor(() => n.counter("sent") === i, `sent ${i}`);
    }
    const after = Date.now();
    for (const [i, r] of rx.received.entries()) {
      expect(r.path).toBe("/robot/send");
      expect(r.query.get("access_token")).toBe(token);
      const timestamp = r.query.get("timestamp")!;
      expect(timestamp).toMatch(/^\d{13}$/);
      // Wall time, not the APP's clock (2026-01-01 here): DingTalk refuses a timestamp an hour off.
      expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
      expect(Number(timestamp)).toBeLessThanOrEqual(after);
      const expected = hmacBase64(secret, `${timestamp}\n${secret}`);
      expect(r.query.get("sign")).toBe(expected);
      // Sent URL-encoded: base64's "+", "/" and "=" never appear raw in the query.
      const rawSign = r.rawQuery.split("&").find((p) => p.startsWith("sign="))!.slice("sign=".length);
      expect(rawSign).toBe(encodeURIComponent(expected));
      expect(JSON.parse(r.body)).toEqual({ msgtype: "text", text: { content: String((i + 1) * 1.5) } });
    }

    const md = await startNotify(
      { bot: "dingtalk", url: `${rx.base}/robot/send`, token: { secret: "ding-token" }, format: "markdown", title: { en: "Line 2", "zh-CN": "二号线" }, template: "#### {value}" },
      { secrets: { "ding-token": token }, rx },
    );
    md.run.send("notify.in", "停机");
    await waitFor(() => md.counter("sent") === 1, "markdown sent");
    const last = rx.received.at(-1)!;
    expect(last.query.get("timestamp")).toBeNull();
    expect(last.query.get("sign")).toBeNull();
    expect(JSON.parse(last.body)).toEqual({ msgtype: "markdown", markdown: { title: "Line 2 / 二号线", text: "**Line 2 / 二号线**\n#### 停机" } });
  });

  it("signs for a Feishu bot: body {timestamp (s), sign = base64(HMAC-SHA256(key timestamp\\nsecret, empty)), msg_type, content}", async () => {
    const rx = await startReceiver({ body: { code: 0, msg: "success", data: {} } });
    const token = "2c9b8f4e-1d3a-4b5c-8e7f-0a1b2c3d4e5f";
    const secret = "qYpNkG8v3Xl0fH2s9TzR1b";
    const n = await startNotify(
      { bot: "feishu", url: `${rx.base}/open-apis/bot/v2/hook/`, token: { secret: "feishu-hook" }, signSecret: { secret: "feishu-sign" }, minIntervalMs: 0 },
      { secrets: { "feishu-hook": token, "feishu-sign": secret }, rx },
    );
    const before = Math.floor(Date.now() / 1000);
    n.run.send("notify.in", "主轴过载 spindle overload");
    await waitFor(() => n.counter("sent") === 1, "sent");
    const after = Math.floor(Date.now() / 1000);
    const r = rx.received[0]!;
    expect(r.path).toBe(`/open-apis/bot/v2/hook/${token}`);
    expect(r.rawQuery).toBe("");
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["content", "msg_type", "sign", "timestamp"]);
    expect(body.timestamp).toMatch(/^\d{10}$/);
    expect(Number(body.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(body.timestamp)).toBeLessThanOrEqual(after);
    // The key is timestamp + "\n" + secret and the message is empty: unlike DingTalk.
    expect(body.sign).toBe(hmacBase64(`${String(body.timestamp)}\n${secret}`, ""));
    expect(body.sign).not.toBe(hmacBase64(secret, `${String(body.timestamp)}\n${secret}`));
    expect(body.msg_type).toBe("text");
    expect(body.content).toEqual({ text: "主轴过载 spindle overload" });

    const unsigned = await startNotify({ bot: "feishu", url: `${rx.base}/open-apis/bot/v2/hook`, token: { secret: "feishu-hook" } }, { secrets: { "feishu-hook": token }, rx });
    unsigned.run.send("notify.in", 1);
    await waitFor(() => unsigned.counter("sent") === 1, "unsigned sent");
    expect(rx.received[1]!.path).toBe(`/open-apis/bot/v2/hook/${token}`);
    expect(JSON.parse(rx.received[1]!.body)).toEqual({ msg_type: "text", content: { text: "1" } });
  });

  it("retries a bot's rate-limit code after at least 60 s, then sends (WeCom 45009, DingTalk 130101, Feishu 11232)", async () => {
    const cases = [
      { bot: "wecom", limited: { errcode: 45009, errmsg: "api freq out of limit" }, ok: { errcode: 0, errmsg: "ok" }, name: "WeCom bot" },
      { bot: "dingtalk", limited: { errcode: 130101, errmsg: "send too fast, exceed 20 times per minute" }, ok: { errcode: 0, errmsg: "ok" }, name: "DingTalk bot" },
      { bot: "feishu", limited: { code: 11232, msg: "frequency limited" }, ok: { code: 0, msg: "success" }, name: "Feishu bot" },
    ];
    for (const c of cases) {
      const rx = await startReceiver({ body: c.ok });
      rx.replies.push({ body: c.limited }, { body: c.limited });
      const n = await startNotify({ bot: c.bot, url: `${rx.base}/send`, token: { secret: "bot-token" } }, { secrets: { "bot-token": "t0k3n" }, rx });
      n.run.send("notify.in", "alarm");
      await fireNextTimer(n.run);
      await fireNextTimer(n.run);
      await waitFor(() => n.counter("sent") === 1, `${c.bot} sent after the rate limit`);
      expect(rx.received.map((r) => r.at - START)).toEqual([0, 60_000, 120_000]);
      expect(new Set(rx.received.map((r) => r.body)).size).toBe(1);
      expect(n.counter("retries")).toBe(2);
      expect(n.counter("failed")).toBe(0);
      const code = "errcode" in c.limited ? c.limited.errcode : c.limited.code;
      // One warning for the notification, not one per attempt.
      expect(n.logs.map((l) => l.level)).toEqual(["warn"]);
      expect(n.logs[0]!.message).toContain(`${c.name}: rate limited (HTTP 200 ${code}`);
      expect(n.logs[0]!.zh).toContain(`被限流（HTTP 200 ${code}`);
    }
  });

  it("backs off on 5xx (retryMs doubling) and follows Retry-After on HTTP 429", async () => {
    const rx = await startReceiver({ status: 204 });
    rx.replies.push({ status: 503, body: "busy" }, { status: 502 }, { status: 500 });
    const n = await startNotify({ bot: "webhook", url: `${rx.base}/h`, retryMs: 1000 }, { rx });
    n.run.send("notify.in", 1);
    for (let i = 0; i < 3; i++) await fireNextTimer(n.run);
    await waitFor(() => n.counter("sent") === 1, "sent after three 5xx");
    expect(rx.received.map((r) => r.at - START)).toEqual([0, 1000, 3000, 7000]);
    expect(n.logs.map((l) => l.message)).toEqual(["webhook: HTTP 503; retrying (up to 3 times)"]);

    const rx2 = await startReceiver({ body: { code: 0, msg: "success" } });
    rx2.replies.push({ status: 429, headers: { "x-ogw-ratelimit-reset": "7" }, body: { code: 99991400, msg: "request trigger frequency limit" } });
    const limited = await startNotify({ bot: "feishu", url: `${rx2.base}/hook`, token: { secret: "f" } }, { secrets: { f: "tok" }, rx: rx2 });
    limited.run.send("notify.in", 1);
    await fireNextTimer(limited.run);
    await waitFor(() => limited.counter("sent") === 1, "sent after 429");
    expect(rx2.received.map((r) => r.at - START)).toEqual([0, 7000]);
  });

  it("gives up after the retries on network errors with a bilingual error, and keeps working", async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}/cgi-bin/webhook/send`;
    const n = await startNotify({ bot: "wecom", url: nowhere, token: { secret: "wecom-key" }, retries: 2, retryMs: 100, minIntervalMs: 0 }, { secrets: { "wecom-key": "k" } });
    n.run.send("notify.in", "first");
    await fireNextTimer(n.run);
    await fireNextTimer(n.run);
    await waitFor(() => n.counter("failed") === 1, "given up");
    expect(n.counter("retries")).toBe(2);
    expect(n.logs).toEqual([
      { level: "warn", node: "notify", message: "WeCom bot: no answer (ECONNREFUSED); retrying (up to 2 times)", zh: "企业微信群机器人：无应答（ECONNREFUSED）；将重试（最多 2 次）" },
      { level: "error", node: "notify", message: "WeCom bot: notification not sent after 2 retries: no answer (ECONNREFUSED)", zh: "企业微信群机器人：通知未发送，已重试 2 次：无应答（ECONNREFUSED）" },
    ]);
    // The secret key is in the URL: it must never reach the log.
    expect(JSON.stringify(n.run.logs)).not.toContain("key=");

    // A bot that does not answer in time is a network error too; the block is still alive.
    const rx = await startReceiver();
    rx.replies.push("hang");
    const slow = await startNotify({ bot: "wecom", url: `${rx.base}/send`, token: { secret: "wecom-key" }, timeoutMs: 300 }, { secrets: { "wecom-key": "k" }, rx });
    slow.run.send("notify.in", "second");
    await fireNextTimer(slow.run);
    await waitFor(() => slow.counter("sent") === 1, "sent after a timeout");
    expect(slow.logs.map((l) => l.message)).toEqual(["WeCom bot: no answer (timed out); retrying (up to 3 times)"]);
  });

  it("logs a bot's error code and message in both languages, does not retry it, and sends the next one", async () => {
    const cases = [
      { bot: "dingtalk", reply: { body: { errcode: 310000, errmsg: "sign not match" } }, en: "DingTalk bot: notification not sent: refused with error code 310000 \"sign not match\"", zh: "钉钉机器人：通知未发送：拒收，错误码 310000 \"sign not match\"" },
      { bot: "wecom", reply: { body: { errcode: 93000, errmsg: "invalid webhook url" } }, en: "WeCom bot: notification not sent: refused with error code 93000 \"invalid webhook url\"", zh: "企业微信群机器人：通知未发送：拒收，错误码 93000 \"invalid webhook url\"" },
      { bot: "feishu", reply: { status: 400, body: { code: 9499, msg: "Bad Request", data: {} } }, en: "Feishu bot: notification not sent: HTTP 400 9499 \"Bad Request\"", zh: "飞书机器人：通知未发送：HTTP 400 9499 \"Bad Request\"" },
      { bot: "feishu", reply: { body: { code: 19021, msg: "sign match fail or timestamp is not within one hour from current time" } }, en: "Feishu bot: notification not sent: refused with error code 19021 \"sign match fail or timestamp is not within one hour from current time\"", zh: "飞书机器人：通知未发送：拒收，错误码 19021 \"sign match fail or timestamp is not within one hour from current time\"" },
    ];
    for (const c of cases) {
      const rx = await startReceiver(c.bot === "feishu" ? { body: { code: 0, msg: "success" } } : undefined);
      rx.replies.push(c.reply);
      const n = await startNotify({ bot: c.bot, url: `${rx.base}/send`, token: { secret: "bot-token" } }, { secrets: { "bot-token": "t" }, rx });
      n.run.send("notify.in", "first");
      await waitFor(() => n.counter("failed") === 1, `${c.bot} failed`);
      expect(n.logs).toEqual([{ level: "error", node: "notify", message: c.en, zh: c.zh }]);
      expect(n.counter("retries")).toBe(0);
      n.run.send("notify.in", "second");
      await fireNextTimer(n.run); // minIntervalMs after the failed request
      await waitFor(() => n.counter("sent") === 1, `${c.bot} next one sent`);
      expect(rx.received).toHaveLength(2);
    }
  });

  it("does not follow a redirect: outbound only to the configured address", async () => {
    const elsewhere = await startReceiver({ status: 204 });
    const rx = await startReceiver();
    rx.replies.push({ status: 302, headers: { location: `${elsewhere.base}/steal` } });
    const n = await startNotify({ bot: "webhook", url: `${rx.base}/h` }, { rx });
    n.run.send("notify.in", 1);
    await waitFor(() => n.counter("failed") === 1, "failed");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(elsewhere.received).toEqual([]);
    expect(rx.received).toHaveLength(1);
    expect(n.logs).toEqual([{ level: "error", node: "notify", message: "webhook: notification not sent: HTTP 302: redirects are not followed", zh: "Webhook：通知未发送：HTTP 302：不跟随重定向" }]);
  });

  it("sends at most one notification per minIntervalMs: the latest waits and says (+N more)", async () => {
    const rx = await startReceiver();
    const n = await startNotify({ bot: "wecom", url: `${rx.base}/send`, token: { secret: "k" }, minIntervalMs: 60_000 }, { secrets: { k: "key" }, rx });
    n.run.send("notify.in", "alarm 1");
    await waitFor(() => n.counter("sent") === 1, "first sent at once");
    for (let i = 2; i <= 6; i++) n.run.send("notify.in", `alarm ${i}`);
    expect(n.counter("dropped")).toBe(4);
    await fireNextTimer(n.run);
    await waitFor(() => n.counter("sent") === 2, "summary sent");
    n.run.send("notify.in", "alarm 7");
    await fireNextTimer(n.run);
    await waitFor(() => n.counter("sent") === 3, "next sent");
    const contents = rx.received.map((r) => (JSON.parse(r.body) as { text: { content: string } }).text.content);
    expect(contents).toEqual(["alarm 1", "alarm 6 (+4 more / 另有 4 条)", "alarm 7"]);
    expect(rx.received.map((r) => r.at - START)).toEqual([0, 60_000, 120_000]);

    // In one language, and as a field of the webhook's JSON.
    const zh = await startNotify({ bot: "wecom", url: `${rx.base}/send`, token: { secret: "k" }, language: "zh-CN" }, { secrets: { k: "key" }, rx });
    for (const v of ["a", "b", "c"]) zh.run.send("notify.in", v);
    await fireNextTimer(zh.run);
    await waitFor(() => zh.counter("sent") === 2, "zh summary");
    expect((JSON.parse(rx.received.at(-1)!.body) as { text: { content: string } }).text.content).toBe("c（另有 1 条）");
    const hook = await startNotify({ bot: "webhook", url: `${rx.base}/h` }, { rx });
    for (const v of [1, 2, 3, 4]) hook.run.send("notify.in", v, START);
    await fireNextTimer(hook.run);
    await waitFor(() => hook.counter("sent") === 2, "webhook summary");
    expect(JSON.parse(rx.received.at(-1)!.body)).toEqual({ ts: "2026-01-01T00:00:00.000Z", source: "__inject", quality: "good", value: 4, more: 2 });
  });

  it("says at stop how many messages were not notified", async () => {
    const rx = await startReceiver();
    const n = await startNotify({ bot: "wecom", url: `${rx.base}/send`, token: { secret: "k" }, minIntervalMs: 60_000 }, { secrets: { k: "key" }, rx });
    n.run.send("notify.in", 1);
    await waitFor(() => n.counter("sent") === 1, "sent");
    n.run.send("notify.in", 2);
    n.run.send("notify.in", 3);
    await n.run.stop();
    runs.splice(runs.indexOf(n.run), 1);
    expect(n.logs).toEqual([{ level: "info", node: "notify", message: "stopped with 2 messages not notified", zh: "停止时有 2 条消息未发送通知" }]);
    expect(rx.received).toHaveLength(1);
  });

  it("refuses to start, in both languages, when a secret it needs is not set on the box", async () => {
    const rx = await startReceiver();
    const error = await startNotify(
      { bot: "dingtalk", url: `${rx.base}/robot/send`, token: { secret: "ding-token" }, signSecret: { secret: "ding-sign" } },
      { secrets: { "ding-token": "t" }, rx },
    ).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BlockError);
    const text = (error as BlockError).text;
    expect(text.en).toMatch(/^secret 'ding-sign' is not set on this box \(DENGTA_SECRET_DING_SIGN, or a file in the credentials folder\)$/);
    expect(text["zh-CN"]).toMatch(/^本机未设置密钥 'ding-sign'（DENGTA_SECRET_DING_SIGN，或凭据目录中的文件）$/);
    expect(rx.received).toEqual([]);
  });

  it("has a valid manifest and config schema", () => {
    const config: Record<string, unknown> = { bot: "wecom", token: { secret: "wecom-key" } };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({
      bot: "wecom", token: { secret: "wecom-key" }, format: "text", language: "both", minIntervalMs: 3000, retries: 3, retryMs: 1000, timeoutMs: 10000,
    });
    const valid = [
      { bot: "webhook", url: "https://ops.plant.local/hooks/alarm" },
      { bot: "webhook", url: "http://10.0.0.5:8080/h?line=2", signSecret: { secret: "hook-key" }, template: "{source}: {value}" },
      { bot: "dingtalk", token: { secret: "ding-token" }, signSecret: { secret: "ding-sign" }, format: "markdown" },
      { bot: "feishu", url: "https://open.larksuite.com/open-apis/bot/v2/hook", token: { secret: "lark-hook" }, title: { en: "Line 2", "zh-CN": "二号线" }, language: "en" },
    ];
    for (const c of valid) expect(validateConfig(c), JSON.stringify(c)).toBe(true);
    const invalid = [
      { bot: "wecom" },
      { bot: "wecom", token: "plain-key" },
      { bot: "wecom", token: { secret: "k" }, signSecret: { secret: "s" } },
      { bot: "webhook" },
      { bot: "webhook", url: "https://h/x", token: { secret: "t" } },
      { bot: "feishu", token: { secret: "t" }, format: "markdown" },
      { bot: "webhook", url: "ftp://h/x" },
      { bot: "teams", url: "https://h/x" },
      { bot: "wecom", token: { secret: "k" }, minIntervalMs: -1 },
      { bot: "wecom", token: { secret: "k" }, title: { en: "only English" } },
      { bot: "wecom", token: { secret: "k" }, password: { secret: "p" } },
    ];
    for (const c of invalid) expect(validateConfig(c), JSON.stringify(c)).toBe(false);
  });
});
