import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BlockError } from "../../runtime/block.ts";
import { openDatabase } from "../../runtime/storage/index.ts";
import { runInHarness, type HarnessRun } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import workOrder, { type WorkOrderReport } from "./runtime.ts";

// 10:30 in Shanghai, the site's time zone below.
const START = Date.UTC(2026, 2, 5, 2, 30);
const TOKEN = "s3cret-token-for-the-line-2-wifi";
const ORDERS = [
  { id: "WO-001", product: "磁钢 N52", machine: "2号线", planned: 500 },
  { id: "WO-002", product: "Bracket", machine: "M3" },
];
const FORM = { "content-type": "application/x-www-form-urlencoded" };

const runs: HarnessRun[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) await run.stop();
});

async function startForm(config: Record<string, unknown> = {}, secrets: Record<string, string> = {}) {
  const run = await runInHarness({
    nodes: { wo: { block: workOrder, config: { host: "127.0.0.1", port: 0, orders: ORDERS, ...config }, outputs: ["report"] } },
    inject: ["wo.orders"],
    capture: ["wo.report"],
    startMs: START,
    site: { endpoints: {}, cameras: {}, secret: (name) => secrets[name], calendar: { timezone: "Asia/Shanghai", shifts: [] } },
  });
  runs.push(run);
  const line = run.logs.find((l) => l.message.startsWith("work-order form at "));
  const base = /http:\/\/[^\s,/]+/.exec(line?.message ?? "")?.[0];
  if (base === undefined) throw new Error(`no URL logged: ${JSON.stringify(run.logs)}`);
  return { run, base, browser: new Browser(base) };
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time, as a phone coming back later would open.
    const req = httpRequest(`${base}${path}`, { method, agent: false, headers: { ...headers, ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Keeps cookies like a phone's browser and sends the Origin a browser sends. */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.keep(await send(this.base, "GET", path, { ...this.cookieHeader(), ...headers }));
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = { origin: this.base }): Promise<Reply> {
    return this.keep(await send(this.base, "POST", path, { ...FORM, ...this.cookieHeader(), ...headers }, new URLSearchParams(fields).toString()));
  }

  /** Opens the form and returns its CSRF token. */
  async openForm(path = "/"): Promise<string> {
    const page = await this.get(path);
    expect(page.status).toBe(200);
    return csrfOf(page.body);
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
  }

  private keep(reply: Reply): Reply {
    for (const line of reply.headers["set-cookie"] ?? []) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return reply;
  }
}

function csrfOf(html: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (token === undefined) throw new Error("no CSRF token in the page");
  return token;
}

function rows(run: HarnessRun): Array<Record<string, unknown>> {
  const db = openDatabase(join(run.dataDir, "dengta.db"));
  try {
    return db.sqlite.prepare("SELECT * FROM work_order_reports ORDER BY id").all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

function fieldError(html: string, field: string): string | undefined {
  return new RegExp(`<p class="error" id="${field}-error">([^<]*)</p>`).exec(html)?.[1];
}

const GOOD_REPORT = { order: "WO-001", good: "120", scrap: "3", reason: "dimension", operator: "张三" };

describe("dengta.report.work-order", () => {
  it("serves the form, stores a submitted report in SQLite and sends it on the report port", async () => {
    const { run, browser } = await startForm();
    const page = await browser.get("/");
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.body).toContain('<html lang="zh-CN">');
    expect(page.body).toContain("良品数");
    expect(page.body).toContain("WO-001 · 磁钢 N52 · 2号线 · 计划 500");
    expect(page.body).toContain("尺寸超差");
    const sid = page.headers["set-cookie"]!.find((c) => c.startsWith("dengta-wo-wo-sid="))!;
    expect(sid).toMatch(/; HttpOnly/);
    expect(sid).toMatch(/; SameSite=Strict/);

    const posted = await browser.post("/?lang=zh-CN", { ...GOOD_REPORT, csrf: csrfOf(page.body) });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe("/?lang=zh-CN&saved=1");

    expect(rows(run)).toEqual([expect.objectContaining({
      id: 1, node: "wo", submitted_at: START, day: "2026-03-05", order_id: "WO-001", product: "磁钢 N52", machine: "2号线", planned: 500,
      good: 120, scrap: 3, reason: "dimension", operator: "张三", remote_address: "127.0.0.1",
    })]);
    const sent = run.captured.get("wo.report")!;
    expect(sent).toHaveLength(1);
    expect(sent[0]!.ts).toBe(START);
    expect(sent[0]!.value).toEqual({
      id: 1, order: "WO-001", product: "磁钢 N52", machine: "2号线", planned: 500, good: 120, scrap: 3,
      reason: "dimension", reasonTitle: { "zh-CN": "尺寸超差", en: "Dimension out of tolerance" },
      operator: "张三", submittedAt: START, remoteAddress: "127.0.0.1",
    } satisfies WorkOrderReport);
    expect(run.engine.counters()["wo.reports"]).toBe(1);

    const after = await browser.get(posted.headers.location!);
    expect(after.body).toContain("已提交：工单 WO-001，良品 120，废品 3");
    expect(after.body).toContain('value="张三"');
  });

  it("lists today's reports with totals, in either language", async () => {
    const { browser } = await startForm();
    await browser.post("/", { ...GOOD_REPORT, csrf: await browser.openForm() });
    await browser.post("/", { order: "WO-001", good: "80", scrap: "0", reason: "", operator: "李四", csrf: await browser.openForm() });
    await browser.post("/", { order: "WO-002", good: "40", scrap: "10", reason: "surface", operator: "Wang Wu", csrf: await browser.openForm() });
    const zh = await browser.get("/today");
    expect(zh.status).toBe(200);
    expect(zh.body).toContain("今日报工 2026-03-05");
    expect(zh.body).toContain("<td>10:30</td><td>WO-001</td><td>2号线</td><td class=\"n\">120</td><td class=\"n\">3</td><td>尺寸超差</td><td>张三</td>");
    expect(zh.body).toContain("<td>李四</td>");
    // 240 good, 13 scrap: 5.1% of 253.
    expect(zh.body).toMatch(/合计 · 3<\/td><td class="n">240<\/td><td class="n">13<\/td><td colspan="2">废品率 5\.1%/);
    expect(zh.body).toContain('<td>WO-001</td><td>磁钢 N52</td><td class="n">500</td><td class="n">2</td><td class="n">200</td><td class="n">3</td><td class="n">1.5%</td>');
    const en = await browser.get("/today?lang=en");
    expect(en.body).toContain("Today&#39;s reports 2026-03-05");
    expect(en.body).toContain("Surface defect");
    expect(en.body).toContain("Total · 3");
  });

  it("refuses a POST without the form's CSRF token, with a wrong one, or with another browser's", async () => {
    const { run, browser, base } = await startForm();
    const token = await browser.openForm();
    expect((await browser.post("/", { ...GOOD_REPORT })).status).toBe(403);
    const wrong = await browser.post("/", { ...GOOD_REPORT, csrf: token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA") });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain("表单已失效");
    // The token is bound to the browser's SameSite=Strict cookie: another browser cannot use it.
    const other = new Browser(base);
    await other.openForm();
    expect((await other.post("/", { ...GOOD_REPORT, csrf: token })).status).toBe(403);
    // Nor can a request that carries no cookie at all, as a cross-site POST would.
    expect((await send(base, "POST", "/", { ...FORM, origin: base }, new URLSearchParams({ ...GOOD_REPORT, csrf: token }).toString())).status).toBe(403);
    expect(rows(run)).toEqual([]);
    expect(run.captured.get("wo.report")).toBeUndefined();
    // The genuine form still works.
    expect((await browser.post("/", { ...GOOD_REPORT, csrf: token })).status).toBe(303);
  });

  it("refuses a POST from another origin, checked on Origin or else Referer", async () => {
    const { run, browser, base } = await startForm();
    const token = await browser.openForm();
    const fields = { ...GOOD_REPORT, csrf: token };
    const crossOrigin = await browser.post("/", fields, { origin: "http://evil.example" });
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.body).toContain("拒绝来自其他网站的提交");
    expect((await browser.post("/", fields, { origin: "null" })).status).toBe(403);
    expect((await browser.post("/?lang=en", fields, { referer: "http://evil.example/form" })).body).toContain("Submissions from other sites are refused");
    expect((await browser.post("/", fields, {})).status).toBe(403);
    expect(rows(run)).toEqual([]);
    expect((await browser.post("/", fields, { referer: `${base}/?lang=zh-CN` })).status).toBe(303);
  });

  it("answers invalid fields with 400 and the errors beside them, in Chinese or with ?lang=en in English", async () => {
    const { run, browser } = await startForm();
    const bad = { order: "WO-999", good: "-1", scrap: "2.5", reason: "", operator: "" };
    const zh = await browser.post("/", { ...bad, csrf: await browser.openForm() });
    expect(zh.status).toBe(400);
    expect(fieldError(zh.body, "order")).toBe("工单不存在或已关闭");
    expect(fieldError(zh.body, "good")).toBe("请填写 0 或正整数");
    expect(fieldError(zh.body, "scrap")).toBe("请填写 0 或正整数");
    expect(fieldError(zh.body, "operator")).toBe("必填");
    expect(zh.body).toContain("请改正标出的内容后再提交");
    // What was typed comes back, escaped, with a fresh token to send it again.
    expect(zh.body).toContain('value="-1"');
    expect(csrfOf(zh.body)).toMatch(/\./);

    const reasons = await browser.post("/", { order: "WO-001", good: "5", scrap: "2", reason: "", operator: "张三", csrf: await browser.openForm() });
    expect(fieldError(reasons.body, "reason")).toBe("有废品时必须选择废品原因");
    const unknown = await browser.post("/", { order: "WO-001", good: "5", scrap: "2", reason: "gremlins", operator: "x".repeat(41), csrf: await browser.openForm() });
    expect(fieldError(unknown.body, "reason")).toBe("未知的废品原因");
    expect(fieldError(unknown.body, "operator")).toBe("最多 40 个字");
    const big = await browser.post("/", { order: "WO-001", good: "1000001", scrap: "0", reason: "", operator: "张三", csrf: await browser.openForm() });
    expect(fieldError(big.body, "good")).toBe("不能大于 1000000");

    const en = await browser.post("/?lang=en", { ...bad, reason: "gremlins", csrf: await browser.openForm("/?lang=en") });
    expect(en.status).toBe(400);
    expect(en.body).toContain('<html lang="en">');
    expect(fieldError(en.body, "order")).toBe("Unknown or closed work order");
    expect(fieldError(en.body, "good")).toBe("Enter 0 or a whole number");
    expect(fieldError(en.body, "reason")).toBe("Unknown scrap reason");
    expect(fieldError(en.body, "operator")).toBe("Required");
    const enReason = await browser.post("/?lang=en", { order: "WO-001", good: "5", scrap: "2", reason: "", operator: "Li", csrf: await browser.openForm() });
    expect(fieldError(enReason.body, "reason")).toBe("Choose a scrap reason when there is scrap");

    expect(rows(run)).toEqual([]);
    expect(run.captured.get("wo.report")).toBeUndefined();
    expect(run.engine.counters()["wo.refused"]).toBe(6);
  });

  it("accepts full-width digits and round-trips Chinese text, escaping markup", async () => {
    const { run, browser } = await startForm();
    run.send("wo.orders", { id: "工单-七", product: "<b>壳体</b> & \"盖\"", machine: "三号机", planned: 10 });
    const page = await browser.get("/");
    expect(page.body).toContain("工单-七 · &lt;b&gt;壳体&lt;/b&gt; &amp; &quot;盖&quot; · 三号机 · 计划 10");
    expect(page.body).not.toContain("<b>壳体");
    const posted = await browser.post("/", { order: "工单-七", good: "１２", scrap: "0", reason: "", operator: "欧阳<小明>", csrf: csrfOf(page.body) });
    expect(posted.status).toBe(303);
    expect(rows(run)[0]).toMatchObject({ order_id: "工单-七", good: 12, scrap: 0, reason: null, operator: "欧阳<小明>", product: "<b>壳体</b> & \"盖\"" });
    expect(run.captured.get("wo.report")![0]!.value).toMatchObject({ order: "工单-七", operator: "欧阳<小明>", reasonTitle: null });
    const today = await browser.get("/today");
    expect(today.body).toContain("<td>欧阳&lt;小明&gt;</td>");
    expect(today.body).not.toContain("<小明>");
  });

  it("refuses a second submit of the same form", async () => {
    const { run, browser } = await startForm();
    const fields = { ...GOOD_REPORT, csrf: await browser.openForm() };
    expect((await browser.post("/", fields)).status).toBe(303);
    const again = await browser.post("/", fields);
    expect(again.status).toBe(409);
    expect(again.body).toContain("这张报工单已经提交过");
    expect(rows(run)).toHaveLength(1);
    expect(run.captured.get("wo.report")).toHaveLength(1);
  });

  it("takes work orders from its orders port and closes them", async () => {
    const { run, browser } = await startForm({ orders: [] });
    expect((await browser.get("/")).body).toContain("暂无可报工的工单");
    run.send("wo.orders", [{ id: "A1", product: "P", machine: "M1", planned: 3 }, { id: "A2" }, { product: "no id" }]);
    expect(run.engine.counters()["wo.invalid"]).toBe(1);
    let page = await browser.get("/");
    expect(page.body).toContain('<option value="A1">A1 · P · M1 · 计划 3</option>');
    expect(page.body).toContain('<option value="A2">A2</option>');
    run.send("wo.orders", { id: "A1", closed: true });
    page = await browser.get("/");
    expect(page.body).not.toContain('value="A1"');
    const refused = await browser.post("/", { order: "A1", good: "1", scrap: "0", reason: "", operator: "x", csrf: csrfOf(page.body) });
    expect(fieldError(refused.body, "order")).toBe("工单不存在或已关闭");
  });

  it("answers only GET and POST on the form and GET on today's page", async () => {
    const { base, browser } = await startForm();
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const reply = await send(base, method, "/");
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe("GET, HEAD, POST");
    }
    expect((await browser.post("/today", {})).status).toBe(405);
    expect((await browser.get("/nothing")).status).toBe(404);
    // Bound to loopback, it answers only to loopback names: a rebound DNS name is refused.
    expect((await send(base, "GET", "/", { host: "evil.example" })).status).toBe(403);
    expect((await send(base, "GET", "/", { host: "localhost:1234" })).status).toBe(200);
  });

  it("refuses to start on a non-loopback host without an access token", async () => {
    const error = await runInHarness({ nodes: { wo: { block: workOrder, config: { host: "0.0.0.0", port: 0 }, outputs: ["report"] } } }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BlockError);
    expect((error as BlockError).text.en).toContain("without an access token");
    expect((error as BlockError).text["zh-CN"]).toContain("未配置访问令牌");
  });

  it("refuses an access token secret that is not set or too short", async () => {
    await expect(startForm({ accessToken: { secret: "work-order-token" } })).rejects.toThrow(/secret 'work-order-token' is not set/);
    await expect(startForm({ accessToken: { secret: "work-order-token" } }, { "work-order-token": "short" })).rejects.toThrow(/too short/);
  });

  it("with an access token, needs it on every request: ?token= once, then an HttpOnly cookie", async () => {
    const { run, base, browser } = await startForm({ accessToken: { secret: "work-order-token" } }, { "work-order-token": TOKEN });
    expect(run.logs.some((l) => l.message.includes(TOKEN))).toBe(false);
    const denied = await browser.get("/");
    expect(denied.status).toBe(401);
    expect(denied.body).toContain("需要访问令牌");
    expect((await browser.get("/today?lang=en")).body).toContain("An access token is needed");
    expect((await browser.get("/?token=wrong-token-wrong-token")).status).toBe(401);
    expect((await send(base, "POST", "/", { ...FORM, origin: base }, "good=1")).status).toBe(401);

    const entry = await browser.get(`/?lang=en&token=${TOKEN}`);
    expect(entry.status).toBe(303);
    expect(entry.headers.location).toBe("/?lang=en");
    const access = entry.headers["set-cookie"]!.find((c) => c.startsWith("dengta-wo-wo-access="))!;
    expect(access).toMatch(/; HttpOnly/);
    expect(access).not.toContain(TOKEN);

    const page = await browser.get("/?lang=en");
    expect(page.status).toBe(200);
    expect((await browser.post("/", { ...GOOD_REPORT, csrf: csrfOf(page.body) })).status).toBe(303);
    expect(rows(run)).toHaveLength(1);
  });

  it("closes its server when the APP stops", async () => {
    const { run, base } = await startForm();
    expect((await send(base, "GET", "/")).status).toBe(200);
    await runs.pop()!.stop();
    await expect(send(base, "GET", "/")).rejects.toThrow(/ECONNREFUSED/);
    expect(run.engine.isIdle()).toBe(true);
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = {};
    expect(validateConfig(config)).toBe(true);
    expect(config).toMatchObject({ host: "127.0.0.1", port: 8080, language: "zh-CN", orders: [], maxQuantity: 1000000 });
    expect((config.reasons as unknown[])[0]).toEqual({ code: "dimension", title: { "zh-CN": "尺寸超差", en: "Dimension out of tolerance" } });
    expect(validateConfig({ host: "0.0.0.0" })).toBe(false);
    expect(validateConfig({ host: "0.0.0.0", accessToken: { secret: "work-order-token" } })).toBe(true);
    expect(validateConfig({ host: "localhost" })).toBe(true);
    expect(validateConfig({ accessToken: "plain-text-token-in-the-file" })).toBe(false);
    expect(validateConfig({ port: 70000 })).toBe(false);
    expect(validateConfig({ reasons: [] })).toBe(false);
    expect(validateConfig({ reasons: [{ code: "a b", title: { en: "x", "zh-CN": "x" } }] })).toBe(false);
    expect(validateConfig({ orders: [{ id: "A", planned: -1 }] })).toBe(false);
  });
});
