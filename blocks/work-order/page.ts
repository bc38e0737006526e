// The pages the operator sees: plain HTML and one inline style sheet, every text escaped, no
// script and nothing loaded from elsewhere, so a phone on the shop-floor Wi-Fi needs only the box.
import type { StoredReport } from "./reports.ts";

export type Lang = "zh-CN" | "en";
export type Bilingual = { en: string; "zh-CN": string };

export interface Order {
  id: string;
  product?: string;
  machine?: string;
  planned?: number;
}

export interface Reason {
  code: string;
  title: Bilingual;
}

export type Field = "order" | "good" | "scrap" | "reason" | "operator";

export const TEXT = {
  appTitle: { "zh-CN": "报工单", en: "Work order report" },
  order: { "zh-CN": "工单", en: "Work order" },
  chooseOrder: { "zh-CN": "请选择工单", en: "Choose a work order" },
  noOrders: { "zh-CN": "暂无可报工的工单", en: "No open work orders" },
  product: { "zh-CN": "产品", en: "Product" },
  machine: { "zh-CN": "机台", en: "Machine" },
  planned: { "zh-CN": "计划", en: "Planned" },
  good: { "zh-CN": "良品数", en: "Good quantity" },
  scrap: { "zh-CN": "废品数", en: "Scrap quantity" },
  reason: { "zh-CN": "废品原因", en: "Scrap reason" },
  noReason: { "zh-CN": "（无废品时不选）", en: "(none when there is no scrap)" },
  operator: { "zh-CN": "操作员", en: "Operator" },
  submit: { "zh-CN": "提交报工", en: "Submit report" },
  today: { "zh-CN": "今日报工", en: "Today's reports" },
  backToForm: { "zh-CN": "返回报工单", en: "Back to the form" },
  saved: { "zh-CN": "已提交：工单 {order}，良品 {good}，废品 {scrap}", en: "Submitted: work order {order}, good {good}, scrap {scrap}" },
  fixErrors: { "zh-CN": "请改正标出的内容后再提交", en: "Please correct the marked fields and submit again" },
  time: { "zh-CN": "时间", en: "Time" },
  total: { "zh-CN": "合计", en: "Total" },
  scrapRate: { "zh-CN": "废品率", en: "Scrap rate" },
  reports: { "zh-CN": "报工次数", en: "Reports" },
  byOrder: { "zh-CN": "按工单汇总", en: "Totals by work order" },
  noReportsToday: { "zh-CN": "今天还没有报工", en: "No reports today yet" },
  // Field errors, shown next to the field.
  required: { "zh-CN": "必填", en: "Required" },
  notInteger: { "zh-CN": "请填写 0 或正整数", en: "Enter 0 or a whole number" },
  tooLarge: { "zh-CN": "不能大于 {max}", en: "Must not be more than {max}" },
  unknownOrder: { "zh-CN": "工单不存在或已关闭", en: "Unknown or closed work order" },
  reasonRequired: { "zh-CN": "有废品时必须选择废品原因", en: "Choose a scrap reason when there is scrap" },
  unknownReason: { "zh-CN": "未知的废品原因", en: "Unknown scrap reason" },
  tooLong: { "zh-CN": "最多 {max} 个字", en: "At most {max} characters" },
  controlCharacters: { "zh-CN": "含有不允许的控制字符", en: "Contains control characters" },
  // Whole-page answers.
  csrf: { "zh-CN": "表单已失效，或不是从本页面提交的。请重新填写后提交。", en: "The form has expired or was not sent from this page. Please fill it in again." },
  crossOrigin: { "zh-CN": "拒绝来自其他网站的提交。", en: "Submissions from other sites are refused." },
  replay: { "zh-CN": "这张报工单已经提交过，没有重复保存。", en: "This form was already submitted; it was not saved again." },
  unauthorized: { "zh-CN": "需要访问令牌：请用管理员提供的带 ?token= 的链接打开。", en: "An access token is needed: open the link with ?token= that your administrator gave you." },
  badHost: { "zh-CN": "请通过本机地址访问（127.0.0.1 或 localhost）。", en: "Open this page through the box's own address (127.0.0.1 or localhost)." },
  methodNotAllowed: { "zh-CN": "不支持该请求方法。", en: "This request method is not allowed." },
  notFound: { "zh-CN": "页面不存在。", en: "Page not found." },
  bodyTooLarge: { "zh-CN": "提交的内容过大。", en: "The submitted form is too large." },
  unsupportedType: { "zh-CN": "只接受网页表单提交。", en: "Only web-form submissions are accepted." },
  serverError: { "zh-CN": "保存失败，请重试或联系管理员。", en: "Saving failed; please try again or call your administrator." },
} as const satisfies Record<string, Bilingual>;

export type TextKey = keyof typeof TEXT;

/** A field's error: which text, and the values filled into it. */
export interface FieldError {
  key: TextKey;
  values?: Record<string, string | number>;
}

export function say(lang: Lang, key: TextKey, values: Record<string, string | number> = {}): string {
  return TEXT[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

export const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f3f4f6;color:#111827}
main{max-width:34rem;margin:0 auto;padding:1rem}
header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5rem}
h1{font-size:1.4rem;margin:.2rem 0}
h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
nav a{margin-left:.8rem}
a{color:#1d4ed8}
form,.card{background:#fff;border-radius:.6rem;padding:1rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.field{margin-bottom:1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input,select{width:100%;font-size:1.1rem;padding:.7rem;border:1px solid #9ca3af;border-radius:.4rem;background:#fff;color:inherit}
.invalid input,.invalid select{border:2px solid #b91c1c}
.error{color:#b91c1c;margin:.25rem 0 0;font-weight:600}
.row{display:flex;gap:.8rem}.row .field{flex:1}
button{width:100%;font-size:1.2rem;padding:.9rem;border:0;border-radius:.4rem;background:#15803d;color:#fff;font-weight:700}
.notice{padding:.8rem 1rem;border-radius:.4rem;margin:0 0 1rem;font-weight:600}
.ok{background:#dcfce7;color:#14532d}.bad{background:#fee2e2;color:#7f1d1d}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.95rem}
th,td{padding:.45rem .5rem;border-bottom:1px solid #e5e7eb;text-align:left;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:700}
`;

export interface FormView {
  lang: Lang;
  title: Bilingual | undefined;
  orders: readonly Order[];
  reasons: readonly Reason[];
  maxQuantity: number;
  csrfToken: string;
  values: Partial<Record<Field, string>>;
  errors: Partial<Record<Field, FieldError>>;
  notice?: { ok: boolean; text: string };
}

export function formPage(view: FormView): string {
  const { lang } = view;
  const e = (text: string) => escapeHtml(text);
  const value = (field: Field) => view.values[field] ?? "";
  const orderOptions = view.orders.map((order) => option(order.id, orderLabel(order, lang), value("order") === order.id)).join("");
  const reasonOptions = view.reasons.map((reason) => option(reason.code, reason.title[lang], value("reason") === reason.code)).join("");
  const notice = view.notice ?? (Object.keys(view.errors).length > 0 ? { ok: false, text: say(lang, "fixErrors") } : undefined);
  const body = `
<form method="post" action="/?lang=${lang}">
<input type="hidden" name="csrf" value="${e(view.csrfToken)}">
${field(view, "order", `<select id="order" name="order" required${invalid(view, "order")}>
<option value="">${e(say(lang, view.orders.length === 0 ? "noOrders" : "chooseOrder"))}</option>${orderOptions}</select>`)}
<div class="row">
${field(view, "good", numberInput("good", value("good"), view))}
${field(view, "scrap", numberInput("scrap", value("scrap"), view))}
</div>
${field(view, "reason", `<select id="reason" name="reason"${invalid(view, "reason")}>
<option value="">${e(say(lang, "noReason"))}</option>${reasonOptions}</select>`)}
${field(view, "operator", `<input id="operator" name="operator" required maxlength="${OPERATOR_MAX}" autocomplete="name" value="${e(value("operator"))}"${invalid(view, "operator")}>`)}
<button type="submit">${e(say(lang, "submit"))}</button>
</form>`;
  return page(lang, view.title, "/", `${notice ? noticeHtml(notice) : ""}${body}`);
}

export const OPERATOR_MAX = 40;

export interface TodayView {
  lang: Lang;
  title: Bilingual | undefined;
  day: string;
  reports: readonly StoredReport[];
  reasons: readonly Reason[];
  timeOfDay(ts: number): string;
}

export function todayPage(view: TodayView): string {
  const { lang } = view;
  const e = (text: string) => escapeHtml(text);
  if (view.reports.length === 0) {
    return page(lang, view.title, "/today", `<h2>${e(say(lang, "today"))} ${e(view.day)}</h2><p class="card">${e(say(lang, "noReportsToday"))}</p>`);
  }
  const reasonTitle = (code: string | null) => (code === null ? "" : view.reasons.find((r) => r.code === code)?.title[lang] ?? code);
  const rows = view.reports.map((r) => `<tr><td>${e(view.timeOfDay(r.submittedAt))}</td><td>${e(r.order)}</td><td>${e(r.machine ?? "")}</td>`
    + `<td class="n">${r.good}</td><td class="n">${r.scrap}</td><td>${e(reasonTitle(r.reason))}</td><td>${e(r.operator)}</td></tr>`).join("\n");
  const good = sum(view.reports.map((r) => r.good));
  const scrap = sum(view.reports.map((r) => r.scrap));
  const byOrder = new Map<string, { product: string | null; planned: number | null; good: number; scrap: number; count: number }>();
  for (const r of view.reports) {
    const total = byOrder.get(r.order) ?? { product: r.product, planned: r.planned, good: 0, scrap: 0, count: 0 };
    total.good += r.good;
    total.scrap += r.scrap;
    total.count += 1;
    byOrder.set(r.order, total);
  }
  const orderRows = [...byOrder].map(([order, t]) => `<tr><td>${e(order)}</td><td>${e(t.product ?? "")}</td><td class="n">${t.planned ?? ""}</td>`
    + `<td class="n">${t.count}</td><td class="n">${t.good}</td><td class="n">${t.scrap}</td><td class="n">${rate(t.scrap, t.good + t.scrap)}</td></tr>`).join("\n");
  const th = (key: TextKey, numeric = false) => `<th${numeric ? ' class="n"' : ""}>${e(say(lang, key))}</th>`;
  const body = `<h2>${e(say(lang, "today"))} ${e(view.day)}</h2>
<div class="scroll"><table>
<thead><tr>${th("time")}${th("order")}${th("machine")}${th("good", true)}${th("scrap", true)}${th("reason")}${th("operator")}</tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><td colspan="3">${e(say(lang, "total"))} · ${view.reports.length}</td><td class="n">${good}</td><td class="n">${scrap}</td><td colspan="2">${e(say(lang, "scrapRate"))} ${rate(scrap, good + scrap)}</td></tr></tfoot>
</table></div>
<h2>${e(say(lang, "byOrder"))}</h2>
<div class="scroll"><table>
<thead><tr>${th("order")}${th("product")}${th("planned", true)}${th("reports", true)}${th("good", true)}${th("scrap", true)}${th("scrapRate", true)}</tr></thead>
<tbody>
${orderRows}
</tbody>
</table></div>`;
  return page(lang, view.title, "/today", body);
}

/** A page that only says something: errors of the whole request (403, 405, ...). */
export function messagePage(lang: Lang, title: Bilingual | undefined, text: string, ok = false): string {
  return page(lang, title, "/", noticeHtml({ ok, text }));
}

function page(lang: Lang, title: Bilingual | undefined, path: string, body: string): string {
  const e = (text: string) => escapeHtml(text);
  const heading = title?.[lang] ?? say(lang, "appTitle");
  const other: Lang = lang === "en" ? "zh-CN" : "en";
  const nav = path === "/today"
    ? `<a href="/?lang=${lang}">${e(say(lang, "backToForm"))}</a>`
    : `<a href="/today?lang=${lang}">${e(say(lang, "today"))}</a>`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(heading)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header><h1>${e(heading)}</h1><nav>${nav}<a href="${path}?lang=${other}" lang="${other}">${other === "en" ? "English" : "中文"}</a></nav></header>
${body}
</main>
</body>
</html>
`;
}

function field(view: FormView, name: Field, control: string): string {
  const error = view.errors[name];
  const message = error === undefined ? "" : `\n<p class="error" id="${name}-error">${escapeHtml(say(view.lang, error.key, error.values))}</p>`;
  return `<div class="field${error ? " invalid" : ""}">
<label for="${name}">${escapeHtml(say(view.lang, name))}</label>
${control}${message}
</div>`;
}

function invalid(view: FormView, name: Field): string {
  return view.errors[name] === undefined ? "" : ` aria-invalid="true" aria-describedby="${name}-error"`;
}

function numberInput(name: Field, value: string, view: FormView): string {
  // Text with a numeric keypad, no type=number or pattern: full-width digits from a Chinese keyboard
  // are welcome, and the server's message, in the page's language, is the one shown.
  return `<input id="${name}" name="${name}" inputmode="numeric" maxlength="${String(view.maxQuantity).length}" required autocomplete="off" value="${escapeHtml(value)}"${invalid(view, name)}>`;
}

function option(value: string, label: string, selected: boolean): string {
  return `<option value="${escapeHtml(value)}"${selected ? " selected" : ""}>${escapeHtml(label)}</option>`;
}

function orderLabel(order: Order, lang: Lang): string {
  const parts = [order.id, order.product, order.machine].filter((p): p is string => p !== undefined && p !== "");
  if (order.planned !== undefined) parts.push(`${say(lang, "planned")} ${order.planned}`);
  return parts.join(" · ");
}

function noticeHtml(notice: { ok: boolean; text: string }): string {
  return `<p class="notice ${notice.ok ? "ok" : "bad"}" role="${notice.ok ? "status" : "alert"}">${escapeHtml(notice.text)}</p>`;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function rate(part: number, whole: number): string {
  return whole === 0 ? "–" : `${((part / whole) * 100).toFixed(1)}%`;
}
