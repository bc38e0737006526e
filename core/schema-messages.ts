import type { ErrorObject } from "ajv";
import { makeDiagnostic, type Diagnostic } from "./diagnostics.ts";
import { customMessage } from "./schemas.ts";
import { rangeAtPath, type YamlSource } from "./yaml-source.ts";

export interface SchemaProblem {
  /** Data path of the value the message is about. */
  path: Array<string | number>;
  /** Point at the key rather than the value (unknown or misnamed keys). */
  atKey: boolean;
  en: string;
  zh: string;
}

const typeNamesZh: Record<string, string> = {
  string: "字符串", number: "数字", integer: "整数", boolean: "布尔值", object: "对象（映射）", array: "数组（列表）", null: "空值",
};

/** Turns one Ajv error into words a user can act on, in both languages. */
export function describeSchemaError(error: ErrorObject, basePath: ReadonlyArray<string | number> = []): SchemaProblem {
  const path = [...basePath, ...pointerToPath(error.instancePath)];
  const p = error.params as Record<string, unknown>;
  const problem = (en: string, zh: string, extra: Partial<SchemaProblem> = {}): SchemaProblem => ({ path, atKey: false, en, zh, ...extra });
  const custom = customMessage(error);
  if (custom && error.keyword === "pattern") return problem(`${JSON.stringify(error.data)}: ${custom.en}`, `${JSON.stringify(error.data)}：${custom["zh-CN"]}`);
  if (custom) return problem(custom.en, custom["zh-CN"]);
  switch (error.keyword) {
    case "required":
      return problem(`missing required key '${p.missingProperty}'`, `缺少必需的键 '${p.missingProperty}'`, { atKey: true });
    case "additionalProperties": {
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = allowed.length ? `; allowed: ${allowed.join(", ")}` : "";
      const hintZh = allowed.length ? `；允许的键：${allowed.join("、")}` : "";
      return problem(`unknown key '${p.additionalProperty}'${hint}`, `未知的键 '${p.additionalProperty}'${hintZh}`,
        { path: [...path, String(p.additionalProperty)], atKey: true });
    }
    case "propertyNames":
      return problem(`'${p.propertyName}' is not a valid name: use letters, digits, '_' and '-', starting with a letter`,
        `'${p.propertyName}' 不是合法名称：只能使用字母、数字、'_' 和 '-'，并以字母开头`,
        { path: [...path, String(p.propertyName)], atKey: true });
    case "type": {
      const types = String(p.type).split(",");
      return problem(`must be ${types.join(" or ")}, not ${typeOf(error.data)}`,
        `应为${types.map((t) => typeNamesZh[t] ?? t).join("或")}，实际为${typeNamesZh[typeOf(error.data)] ?? typeOf(error.data)}`);
    }
    case "enum": {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      return problem(`must be one of: ${allowed.join(", ")}`, `应为以下之一：${allowed.join("、")}`);
    }
    case "const":
      return problem(`must be ${JSON.stringify(p.allowedValue)}`, `应为 ${JSON.stringify(p.allowedValue)}`);
    case "pattern":
      return problem(`${JSON.stringify(error.data)} does not have the expected form (${p.pattern})`,
        `${JSON.stringify(error.data)} 格式不符合要求（${p.pattern}）`);
    case "minLength":
    case "maxLength":
    case "minItems":
    case "maxItems":
      return problem(`${error.message}`, `${limitZh(error.keyword, p.limit)}`);
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return problem(`must be ${p.comparison} ${p.limit}`, `应 ${p.comparison} ${p.limit}`);
    case "uniqueItems":
      return problem(`items ${p.j} and ${p.i} are the same; they must differ`, `第 ${Number(p.j) + 1} 项与第 ${Number(p.i) + 1} 项重复`);
    case "format":
      return problem(`must be a valid ${p.format}`, `应为合法的 ${p.format}`);
    case "multipleOf":
      return problem(`must be a multiple of ${p.multipleOf}`, `应为 ${p.multipleOf} 的倍数`);
    default:
      return problem(error.message ?? error.keyword, `不满足 Schema 约束（${error.keyword}）：${error.message ?? ""}`);
  }
}

function limitZh(keyword: string, limit: unknown): string {
  switch (keyword) {
    case "minLength": return `长度不能少于 ${limit} 个字符`;
    case "maxLength": return `长度不能超过 ${limit} 个字符`;
    case "minItems": return `至少需要 ${limit} 项`;
    default: return `最多只能有 ${limit} 项`;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

export function pointerToPath(pointer: string): Array<string | number> {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((part) => {
    const text = part.replace(/~1/g, "/").replace(/~0/g, "~");
    return /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : text;
  });
}

/** A file that breaks its schema, reported where the offending key or value is. */
export function schemaDiagnostic(source: YamlSource, error: ErrorObject): Diagnostic {
  const problem = describeSchemaError(error);
  return makeDiagnostic("schema", { en: problem.en, zh: problem.zh }, {
    file: source.file,
    range: rangeAtPath(source, problem.path, problem.atKey ? "key" : "value"),
    path: problem.path,
  });
}
