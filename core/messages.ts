// Every diagnostic the toolchain reports, in English and Simplified Chinese.
// One entry per code: the code is stable (tools match on it), the words may improve.

type Text = { en: string; "zh-CN": string };
const t = (en: string, zh: string): Text => ({ en, "zh-CN": zh });
const list = (items: readonly string[]) => items.map((i) => `'${i}'`).join(", ");

const catalog = {
  "file-unreadable": (p: { reason: string; zh: string }) =>
    t(`cannot read the file: ${p.reason}`, `无法读取文件：${p.zh}`),
  "file-too-large": (p: { bytes: number; limit: number }) =>
    t(`the file is ${p.bytes} bytes; files larger than ${p.limit} bytes are refused`,
      `文件有 ${p.bytes} 字节，超过 ${p.limit} 字节的文件不予处理`),
  "not-text": (p: { reason: string }) =>
    t(`this is not a text file (${p.reason}); expected UTF-8 YAML`, `这不是文本文件（${p.reason}），应为 UTF-8 编码的 YAML`),
  "empty-file": () => t("the file is empty", "文件为空"),
  "lone-carriage-return": () =>
    t("a carriage return (CR) without a line feed: save the file with LF or CRLF line endings", "出现了单独的回车符（CR）：请以 LF 或 CRLF 换行保存文件"),
  "yaml-syntax": (p: { detail: string; zh: string }) => t(`YAML syntax error: ${p.detail}`, `YAML 语法错误：${p.zh}（${p.detail}）`),
  "too-deep": () =>
    t("the document is nested too deeply to be a Dengta file", "文档嵌套层级过深，不可能是灯塔文件"),
  "alias-limit": () =>
    t("too many YAML aliases (*name): refused as a possible alias bomb", "YAML 别名（*name）过多：疑似别名炸弹，拒绝处理"),
  "duplicate-key": (p: { key: string }) => t(`the key '${p.key}' appears twice`, `键 '${p.key}' 重复出现`),
  "duplicate-id": (p: { id: string }) => t(`the node id '${p.id}' is used twice`, `节点 id '${p.id}' 重复`),
  schema: (p: { en: string; zh: string }) => t(p.en, p.zh),
  "unknown-block": (p: { block: string; suggestion?: string }) =>
    t(`unknown block '${p.block}'${p.suggestion ? `; did you mean '${p.suggestion}'?` : ""}`,
      `未知功能块 '${p.block}'${p.suggestion ? `；是否想用 '${p.suggestion}'？` : ""}`),
  "unknown-block-version": (p: { block: string; major: number; available: readonly number[] }) =>
    t(`block '${p.block}' has no major version ${p.major}; available: ${p.available.map((v) => `@${v}`).join(", ")}`,
      `功能块 '${p.block}' 没有主版本 ${p.major}；可用版本：${p.available.map((v) => `@${v}`).join("、")}`),
  "config-invalid": (p: { block: string; en: string; zh: string }) =>
    t(`config of ${p.block}: ${p.en}`, `${p.block} 的配置：${p.zh}`),
  "unknown-parameter": (p: { name: string; known: readonly string[] }) =>
    t(`unknown parameter '${p.name}'${p.known.length ? `; parameters: ${list(p.known)}` : "; the APP declares no parameters"}`,
      `未知参数 '${p.name}'${p.known.length ? `；已声明参数：${list(p.known)}` : "；该 APP 未声明任何参数"}`),
  "parameter-type": (p: { name: string; expected: string; actual: string }) =>
    t(`parameter '${p.name}' must be a ${p.expected}, not ${p.actual}`, `参数 '${p.name}' 应为 ${p.expected} 类型，实际为 ${p.actual}`),
  "parameter-missing-value": (p: { name: string }) =>
    t(`parameter '${p.name}' has no default and the binding gives no value`, `参数 '${p.name}' 没有默认值，绑定文件也未提供取值`),
  "unknown-signal": (p: { name: string; known: readonly string[] }) =>
    t(`unknown signal '${p.name}'${p.known.length ? `; signals: ${list(p.known)}` : "; the APP declares no signals"}`,
      `未知信号 '${p.name}'${p.known.length ? `；已声明信号：${list(p.known)}` : "；该 APP 未声明任何信号"}`),
  "signal-unbound": (p: { name: string }) =>
    t(`signal '${p.name}' is used but the binding does not bind it to a device`, `信号 '${p.name}' 已被使用，但绑定文件没有把它绑定到设备`),
  "binding-unknown-signal": (p: { name: string; app: string }) =>
    t(`the binding binds '${p.name}', but APP '${p.app}' has no such signal`, `绑定文件绑定了 '${p.name}'，但 APP '${p.app}' 没有这个信号`),
  "binding-unknown-endpoint": (p: { name: string }) =>
    t(`no endpoint named '${p.name}' in this binding`, `绑定文件中没有名为 '${p.name}' 的端点`),
  "binding-app-mismatch": (p: { wanted: string; actual: string }) =>
    t(`the binding is for '${p.wanted}', but the APP is '${p.actual}'`, `该绑定文件适用于 '${p.wanted}'，但 APP 是 '${p.actual}'`),
  "edge-syntax": (p: { text: string }) =>
    t(`'${p.text}' is not an edge; write 'node.port -> node.port'`, `'${p.text}' 不是合法连线；应写作 '节点.端口 -> 节点.端口'`),
  "dangling-edge": (p: { node: string }) =>
    t(`the edge names node '${p.node}', which does not exist`, `连线引用了不存在的节点 '${p.node}'`),
  "unknown-port": (p: { node: string; port: string; side: "output" | "input"; known: readonly string[] }) =>
    t(`node '${p.node}' has no ${p.side} port '${p.port}'; ${p.side}s: ${p.known.length ? list(p.known) : "none"}`,
      `节点 '${p.node}' 没有${p.side === "output" ? "输出" : "输入"}端口 '${p.port}'；可用：${p.known.length ? list(p.known) : "无"}`),
  "port-type-mismatch": (p: { from: string; fromType: string; to: string; toType: string }) =>
    t(`cannot connect '${p.from}' (${p.fromType}) to '${p.to}' (${p.toType}): the types differ`,
      `无法把 '${p.from}'（${p.fromType}）连接到 '${p.to}'（${p.toType}）：类型不一致`),
  "duplicate-edge": (p: { text: string }) => t(`the edge '${p.text}' is listed twice`, `连线 '${p.text}' 重复`),
  "required-input-unconnected": (p: { node: string; port: string }) =>
    t(`input '${p.port}' of node '${p.node}' must be connected`, `节点 '${p.node}' 的输入 '${p.port}' 必须连接`),
  cycle: (p: { path: readonly string[] }) =>
    t(`the edges form a cycle: ${p.path.join(" -> ")}`, `连线构成了环：${p.path.join(" -> ")}`),
  "layout-unknown-node": (p: { id: string }) =>
    t(`layout names node '${p.id}', which does not exist`, `layout 中的 '${p.id}' 不是已有节点`),
  "too-many-problems": (p: { shown: number; more: number }) =>
    t(`${p.more} more problems are not shown; fix the first ${p.shown} and validate again`, `另有 ${p.more} 个问题未列出；请先修正前 ${p.shown} 个后再校验`),
  "block-invalid": (p: { block: string; en: string; zh: string }) =>
    t(`block ${p.block}: ${p.en}`, `功能块 ${p.block}：${p.zh}`),
} satisfies Record<string, (params: never) => Text>;

export type DiagnosticCode = keyof typeof catalog;
export type MessageParams<C extends DiagnosticCode> = Parameters<(typeof catalog)[C]>[0] extends undefined
  ? Record<string, never>
  : Parameters<(typeof catalog)[C]>[0];

export function messageFor<C extends DiagnosticCode>(code: C, params: MessageParams<C>): Text {
  return (catalog[code] as (p: MessageParams<C>) => Text)(params);
}

export const diagnosticCodes = Object.keys(catalog) as DiagnosticCode[];
