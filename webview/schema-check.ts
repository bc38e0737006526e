// A JSON Schema (2020-12) checker in plain code, for the inspector form: the webview's CSP forbids
// 'unsafe-eval', so ajv cannot compile schemas here. It covers the keywords block config schemas
// use; the host's check with core stays the authority (its problems show on the form too).
// `format` is not checked here. A `{ $param: name }` value is accepted wherever a value is expected:
// the parameter's own declaration is checked elsewhere.
import type { Locale } from "./protocol.ts";
import { tIn, type StringId } from "./l10n.ts";
import { isParamRef } from "./state.ts";

export type Schema = boolean | { [keyword: string]: unknown };

export interface SchemaError {
  /** rjsf's notation: ".table" or ".columns.0.name"; "" is the whole value. */
  property: string;
  /** The keyword that failed: "required", "type", … */
  name: string;
  message: string;
  params: Record<string, unknown>;
  schemaPath: string;
}

interface At {
  root: Schema;
  locale: Locale;
  errors: SchemaError[];
}

export function checkAgainstSchema(schema: Schema, value: unknown, locale: Locale, root: Schema = schema): SchemaError[] {
  const at: At = { root, locale, errors: [] };
  check(schema, value, [], "#", at);
  return at.errors;
}

export function isValidAgainst(schema: Schema, value: unknown, root: Schema = schema): boolean {
  return checkAgainstSchema(schema, value, "en", root).length === 0;
}

type Path = Array<string | number>;

function check(schema: Schema, value: unknown, path: Path, schemaPath: string, at: At): void {
  if (schema === true || isParamRef(value)) return;
  if (schema === false) return fail(at, path, "const", `${schemaPath}`, "form.const", "—");
  const s = schema;
  if (typeof s.$ref === "string") check(resolveRef(s.$ref, at.root), value, path, s.$ref, at);

  if (s.type !== undefined && !typeMatches(s.type, value)) {
    const types = (Array.isArray(s.type) ? s.type : [s.type]).map((t) => tIn(at.locale, `type.${String(t)}` as StringId));
    return fail(at, path, "type", `${schemaPath}/type`, "form.type", types.join(" / "));
  }
  if (Array.isArray(s.enum) && !s.enum.some((option) => sameValue(option, value))) {
    fail(at, path, "enum", `${schemaPath}/enum`, "form.enum", s.enum.map((o) => JSON.stringify(o)).join(", "));
  }
  if ("const" in s && !sameValue(s.const, value)) fail(at, path, "const", `${schemaPath}/const`, "form.const", JSON.stringify(s.const));

  if (typeof value === "number") checkNumber(s, value, path, schemaPath, at);
  if (typeof value === "string") checkString(s, value, path, schemaPath, at);
  if (Array.isArray(value)) checkArray(s, value, path, schemaPath, at);
  if (isPlainObject(value)) checkObject(s, value, path, schemaPath, at);
  checkCombinations(s, value, path, schemaPath, at);
}

function checkNumber(s: Record<string, unknown>, n: number, path: Path, sp: string, at: At): void {
  if (typeof s.minimum === "number" && n < s.minimum) fail(at, path, "minimum", `${sp}/minimum`, "form.minimum", s.minimum);
  if (typeof s.maximum === "number" && n > s.maximum) fail(at, path, "maximum", `${sp}/maximum`, "form.maximum", s.maximum);
  if (typeof s.exclusiveMinimum === "number" && n <= s.exclusiveMinimum) {
    fail(at, path, "exclusiveMinimum", `${sp}/exclusiveMinimum`, "form.exclusiveMinimum", s.exclusiveMinimum);
  }
  if (typeof s.exclusiveMaximum === "number" && n >= s.exclusiveMaximum) {
    fail(at, path, "exclusiveMaximum", `${sp}/exclusiveMaximum`, "form.exclusiveMaximum", s.exclusiveMaximum);
  }
  if (typeof s.multipleOf === "number" && s.multipleOf > 0) {
    const ratio = n / s.multipleOf;
    if (Math.abs(ratio - Math.round(ratio)) > 1e-9) fail(at, path, "multipleOf", `${sp}/multipleOf`, "form.multipleOf", s.multipleOf);
  }
}

function checkString(s: Record<string, unknown>, text: string, path: Path, sp: string, at: At): void {
  const length = [...text].length;
  if (typeof s.minLength === "number" && length < s.minLength) fail(at, path, "minLength", `${sp}/minLength`, "form.minLength", s.minLength);
  if (typeof s.maxLength === "number" && length > s.maxLength) fail(at, path, "maxLength", `${sp}/maxLength`, "form.maxLength", s.maxLength);
  if (typeof s.pattern === "string" && !patternMatches(s.pattern, text)) fail(at, path, "pattern", `${sp}/pattern`, "form.pattern", s.pattern);
}

function checkArray(s: Record<string, unknown>, items: unknown[], path: Path, sp: string, at: At): void {
  if (typeof s.minItems === "number" && items.length < s.minItems) fail(at, path, "minItems", `${sp}/minItems`, "form.minItems", s.minItems);
  if (typeof s.maxItems === "number" && items.length > s.maxItems) fail(at, path, "maxItems", `${sp}/maxItems`, "form.maxItems", s.maxItems);
  if (s.uniqueItems === true && items.some((item, i) => items.findIndex((other) => sameValue(other, item)) !== i)) {
    fail(at, path, "uniqueItems", `${sp}/uniqueItems`, "form.uniqueItems");
  }
  const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as Schema[]) : [];
  items.forEach((item, i) => {
    const itemSchema = i < prefix.length ? prefix[i] : (s.items as Schema | undefined);
    if (itemSchema !== undefined) check(itemSchema, item, [...path, i], `${sp}/${i < prefix.length ? `prefixItems/${i}` : "items"}`, at);
  });
}

function checkObject(s: Record<string, unknown>, object: Record<string, unknown>, path: Path, sp: string, at: At): void {
  const properties = isPlainObject(s.properties) ? (s.properties as Record<string, Schema>) : {};
  if (Array.isArray(s.required)) {
    for (const name of s.required as string[]) {
      if (object[name] === undefined) fail(at, [...path, name], "required", `${sp}/required`, "form.required", name, { missingProperty: name });
    }
  }
  if (isPlainObject(s.dependentRequired)) {
    for (const [name, needs] of Object.entries(s.dependentRequired as Record<string, string[]>)) {
      if (object[name] === undefined) continue;
      for (const need of needs) {
        if (object[need] === undefined) fail(at, [...path, need], "dependentRequired", `${sp}/dependentRequired`, "form.dependentRequired", need);
      }
    }
  }
  const patterns = isPlainObject(s.patternProperties) ? Object.entries(s.patternProperties as Record<string, Schema>) : [];
  for (const [name, child] of Object.entries(object)) {
    if (child === undefined) continue;
    let known = false;
    if (Object.hasOwn(properties, name)) {
      known = true;
      check(properties[name]!, child, [...path, name], `${sp}/properties/${name}`, at);
    }
    for (const [pattern, patternSchema] of patterns) {
      if (!patternMatches(pattern, name)) continue;
      known = true;
      check(patternSchema, child, [...path, name], `${sp}/patternProperties/${pattern}`, at);
    }
    if (known || s.additionalProperties === undefined) continue;
    if (s.additionalProperties === false) {
      fail(at, path, "additionalProperties", `${sp}/additionalProperties`, "form.additionalProperties", name, { additionalProperty: name });
    } else {
      check(s.additionalProperties as Schema, child, [...path, name], `${sp}/additionalProperties`, at);
    }
  }
}

function checkCombinations(s: Record<string, unknown>, value: unknown, path: Path, sp: string, at: At): void {
  if (Array.isArray(s.allOf)) (s.allOf as Schema[]).forEach((part, i) => check(part, value, path, `${sp}/allOf/${i}`, at));
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((option) => isValidAgainst(option, value, at.root))) {
    fail(at, path, "anyOf", `${sp}/anyOf`, "form.anyOf");
  }
  if (Array.isArray(s.oneOf) && (s.oneOf as Schema[]).filter((option) => isValidAgainst(option, value, at.root)).length !== 1) {
    fail(at, path, "oneOf", `${sp}/oneOf`, "form.oneOf");
  }
  if (s.not !== undefined && isValidAgainst(s.not as Schema, value, at.root)) fail(at, path, "not", `${sp}/not`, "form.anyOf");
  if (s.if !== undefined) {
    const branch = isValidAgainst(s.if as Schema, value, at.root) ? s.then : s.else;
    if (branch !== undefined) check(branch as Schema, value, path, sp, at);
  }
}

function fail(at: At, path: Path, name: string, schemaPath: string, message: StringId, arg?: string | number, params: Record<string, unknown> = {}): void {
  const property = path.map((key) => `.${key}`).join("");
  const args = arg === undefined ? [] : [arg];
  at.errors.push({ property, name, message: tIn(at.locale, message, ...args), params, schemaPath });
}

function typeMatches(type: unknown, value: unknown): boolean {
  if (Array.isArray(type)) return type.some((t) => typeMatches(t, value));
  switch (type) {
    case "string": return typeof value === "string";
    case "number": return typeof value === "number" && Number.isFinite(value);
    case "integer": return Number.isInteger(value);
    case "boolean": return typeof value === "boolean";
    case "array": return Array.isArray(value);
    case "object": return isPlainObject(value);
    case "null": return value === null;
    default: return true;
  }
}

/** Local references only ("#/$defs/name"): block schemas are self-contained. */
function resolveRef(ref: string, root: Schema): Schema {
  if (!ref.startsWith("#")) return true;
  let at: unknown = root;
  for (const key of ref.slice(1).split("/").filter(Boolean)) {
    at = isPlainObject(at) ? at[decodeURIComponent(key).replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return typeof at === "boolean" || isPlainObject(at) ? (at as Schema) : true;
}

const patternCache = new Map<string, RegExp | null>();

function patternMatches(pattern: string, text: string): boolean {
  if (!patternCache.has(pattern)) {
    try {
      patternCache.set(pattern, new RegExp(pattern, "u"));
    } catch {
      patternCache.set(pattern, null); // a pattern JavaScript cannot read is the host's to report
    }
  }
  return patternCache.get(pattern)?.test(text) ?? true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length
    && keysA.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
