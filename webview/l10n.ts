// Every string the canvas shows, in English and Simplified Chinese; init's locale picks one.
import type { Locale } from "./protocol.ts";

const STRINGS = {
  paletteTitle: { en: "Blocks", "zh-CN": "功能块" },
  searchPlaceholder: { en: "Search blocks (English or 中文)", "zh-CN": "搜索功能块（中文或 English）" },
  noBlocksFound: { en: "No block matches.", "zh-CN": "没有匹配的功能块。" },
  addHint: { en: "Drag onto the canvas, or double-click / Enter to add", "zh-CN": "拖到画布上，或双击 / 回车添加" },
  inspectorTitle: { en: "Inspector", "zh-CN": "属性" },
  nothingSelected: { en: "Select a block to edit its settings.", "zh-CN": "选择一个功能块以编辑其配置。" },
  manySelected: { en: "{0} blocks selected.", "zh-CN": "已选择 {0} 个功能块。" },
  unknownBlock: { en: "Unknown block {0}: the catalog has no such block.", "zh-CN": "未知功能块 {0}：功能块库中没有该功能块。" },
  noSettings: { en: "This block has no settings.", "zh-CN": "该功能块没有配置项。" },
  openText: { en: "Show in text", "zh-CN": "在文本中查看" },
  autoLayout: { en: "Auto layout", "zh-CN": "自动布局" },
  autoLayoutTitle: { en: "Arrange all blocks left to right", "zh-CN": "从左到右自动排列所有功能块" },
  readOnly: { en: "The file cannot be read as an APP, so the canvas is read-only until it is fixed:", "zh-CN": "该文件无法作为 APP 读取，修复前画布为只读：" },
  waiting: { en: "Waiting for the document…", "zh-CN": "正在等待文档…" },
  inputs: { en: "Inputs", "zh-CN": "输入" },
  outputs: { en: "Outputs", "zh-CN": "输出" },
  problems: { en: "Problems", "zh-CN": "问题" },
  parameter: { en: "Parameter {0} (edit in text)", "zh-CN": "参数 {0}（请在文本中编辑）" },
  dismiss: { en: "Dismiss", "zh-CN": "关闭" },
  // Category names of the palette (block.schema.json's enum).
  "category.trigger": { en: "Triggers", "zh-CN": "触发" },
  "category.capture": { en: "Data capture", "zh-CN": "数据采集" },
  "category.transform": { en: "Transform", "zh-CN": "转换" },
  "category.logic": { en: "Logic", "zh-CN": "逻辑" },
  "category.quality": { en: "Quality", "zh-CN": "质量" },
  "category.maintenance": { en: "Maintenance", "zh-CN": "维护" },
  "category.vision": { en: "Vision", "zh-CN": "视觉" },
  "category.storage": { en: "Storage", "zh-CN": "存储" },
  "category.report": { en: "Reports", "zh-CN": "报表" },
  "category.notify": { en: "Notify", "zh-CN": "通知" },
  "category.output": { en: "Output", "zh-CN": "输出" },
  // Messages of the form validator (schema-validator.ts).
  "form.required": { en: "is required", "zh-CN": "为必填项" },
  "form.type": { en: "must be {0}", "zh-CN": "类型必须为 {0}" },
  "form.enum": { en: "must be one of {0}", "zh-CN": "必须为以下之一：{0}" },
  "form.const": { en: "must be {0}", "zh-CN": "必须为 {0}" },
  "form.minimum": { en: "must be ≥ {0}", "zh-CN": "必须 ≥ {0}" },
  "form.maximum": { en: "must be ≤ {0}", "zh-CN": "必须 ≤ {0}" },
  "form.exclusiveMinimum": { en: "must be > {0}", "zh-CN": "必须 > {0}" },
  "form.exclusiveMaximum": { en: "must be < {0}", "zh-CN": "必须 < {0}" },
  "form.multipleOf": { en: "must be a multiple of {0}", "zh-CN": "必须是 {0} 的倍数" },
  "form.minLength": { en: "must have at least {0} characters", "zh-CN": "至少 {0} 个字符" },
  "form.maxLength": { en: "must have at most {0} characters", "zh-CN": "最多 {0} 个字符" },
  "form.pattern": { en: "must match {0}", "zh-CN": "必须符合格式 {0}" },
  "form.minItems": { en: "must have at least {0} items", "zh-CN": "至少 {0} 项" },
  "form.maxItems": { en: "must have at most {0} items", "zh-CN": "最多 {0} 项" },
  "form.uniqueItems": { en: "must not repeat items", "zh-CN": "各项不能重复" },
  "form.additionalProperties": { en: "has an unknown setting {0}", "zh-CN": "包含未知配置项 {0}" },
  "form.oneOf": { en: "must match exactly one of the allowed forms", "zh-CN": "必须恰好符合一种允许的形式" },
  "form.anyOf": { en: "must match one of the allowed forms", "zh-CN": "必须符合至少一种允许的形式" },
  "form.dependentRequired": { en: "needs {0} too", "zh-CN": "还需要填写 {0}" },
  "type.string": { en: "text", "zh-CN": "文本" },
  "type.number": { en: "a number", "zh-CN": "数字" },
  "type.integer": { en: "a whole number", "zh-CN": "整数" },
  "type.boolean": { en: "true or false", "zh-CN": "是或否" },
  "type.object": { en: "an object", "zh-CN": "对象" },
  "type.array": { en: "a list", "zh-CN": "列表" },
  "type.null": { en: "empty", "zh-CN": "空值" },
} as const;

export type StringId = keyof typeof STRINGS;

let current: Locale = "en";

export function setLocale(locale: Locale): void {
  current = locale;
  if (typeof document !== "undefined") document.documentElement.lang = locale;
}

export function getLocale(): Locale {
  return current;
}

/** The string in the current language, `{0}`, `{1}`… replaced by `args`. */
export function t(id: StringId, ...args: Array<string | number>): string {
  return format(STRINGS[id][current], args);
}

/** The same, for a given language: for code that has no DOM (tests, the validator). */
export function tIn(locale: Locale, id: StringId, ...args: Array<string | number>): string {
  return format(STRINGS[id][locale], args);
}

export function categoryName(category: string): string {
  const id = `category.${category}`;
  return id in STRINGS ? t(id as StringId) : category;
}

function format(text: string, args: Array<string | number>): string {
  return text.replace(/\{(\d+)\}/g, (whole, index: string) => String(args[Number(index)] ?? whole));
}
