import { readFileSync, statSync } from "node:fs";
import { Document, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Node, type Pair, type YAMLMap } from "yaml";
import { LineIndex } from "./line-index.ts";
import { makeDiagnostic, START_OF_FILE, type Diagnostic, type SourceRange } from "./diagnostics.ts";
import type { MessageParams } from "./messages.ts";
import { yamlErrorInChinese } from "./yaml-errors-zh.ts";

/** Dengta files are small; anything this large is a mistake or an attack. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
const MAX_ALIASES = 100;

/** A parsed YAML file that remembers where every value came from. */
export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineIndex;
  /** Plain data; undefined when the YAML could not be parsed. */
  value: unknown;
}

export type Loaded<T> = { ok: true; value: T; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

export function readYamlFile(file: string): Loaded<YamlSource> {
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) return refuse(file, "file-too-large", { bytes: size, limit: MAX_FILE_BYTES });
    bytes = readFileSync(file);
  } catch (error) {
    return refuse(file, "file-unreadable", readFailure(error as NodeJS.ErrnoException));
  }
  return parseYamlBytes(file, bytes);
}

function readFailure(error: NodeJS.ErrnoException): { reason: string; zh: string } {
  switch (error.code) {
    case "ENOENT": return { reason: "no such file", zh: "文件不存在" };
    case "EISDIR": return { reason: "it is a folder, not a file", zh: "这是目录而不是文件" };
    case "EACCES":
    case "EPERM": return { reason: "permission denied", zh: "没有读取权限" };
    default: return { reason: error.code ?? String(error), zh: error.code ?? String(error) };
  }
}

export function parseYamlBytes(file: string, bytes: Uint8Array): Loaded<YamlSource> {
  if (bytes.length > MAX_FILE_BYTES) return refuse(file, "file-too-large", { bytes: bytes.length, limit: MAX_FILE_BYTES });
  if (bytes.includes(0)) return refuse(file, "not-text", { reason: "it contains NUL bytes" });
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return refuse(file, "not-text", { reason: "it is not valid UTF-8" });
  }
  return parseYamlText(file, text);
}

export function parseYamlText(file: string, text: string): Loaded<YamlSource> {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_FILE_BYTES) return refuse(file, "file-too-large", { bytes, limit: MAX_FILE_BYTES });
  if (text.trim() === "") return refuse(file, "empty-file", {});
  const lines = new LineIndex(text);
  // uniqueKeys is off because yaml checks it in O(keys²) per map; duplicateKeys does it in one pass.
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, keepSourceTokens: false });
  const source: YamlSource = { file, text, doc, lines, value: undefined };
  if (doc.errors.length > 0) return { ok: false, diagnostics: doc.errors.map((e) => yamlErrorDiagnostic(source, e.code, e.message, e.pos)) };
  const diagnostics = duplicateKeys(source);
  const unresolved = unresolvedAlias(source);
  if (unresolved) return { ok: false, diagnostics: [...diagnostics, unresolved] };
  try {
    source.value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    if (error instanceof ReferenceError || error instanceof RangeError) {
      return { ok: false, diagnostics: [...diagnostics, makeDiagnostic("alias-limit", {}, { file, range: START_OF_FILE })] };
    }
    throw error;
  }
  return { ok: true, value: source, diagnostics };
}

/** An alias (*name) with no anchor (&name) before it: yaml only finds out while converting. */
function unresolvedAlias(source: YamlSource): Diagnostic | undefined {
  const anchors = new Set<string>();
  let found: Diagnostic | undefined;
  visit(source.doc, (_key, node) => {
    if (isAlias(node)) {
      if (anchors.has(node.source)) return undefined;
      const range = node.range ? rangeOf(source, node.range[0], node.range[1]) : START_OF_FILE;
      found = makeDiagnostic("yaml-syntax", { detail: `the alias *${node.source} names no anchor &${node.source} before it`, zh: `别名 *${node.source} 之前没有锚点 &${node.source}` }, { file: source.file, range });
      return visit.BREAK;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.add(anchor);
    return undefined;
  });
  return found;
}

function refuse<C extends "file-too-large" | "file-unreadable" | "not-text" | "empty-file">(
  file: string, code: C, params: MessageParams<C>,
): Loaded<YamlSource> {
  return { ok: false, diagnostics: [makeDiagnostic(code, params, { file, range: START_OF_FILE })] };
}

function yamlErrorDiagnostic(source: YamlSource, code: string, message: string, pos: [number, number]): Diagnostic {
  const where = { file: source.file, range: rangeOf(source, pos[0], pos[1]) };
  if (code === "RESOURCE_EXHAUSTION") return makeDiagnostic("too-deep", {}, where);
  return makeDiagnostic("yaml-syntax", { detail: firstLine(message), zh: yamlErrorInChinese(code) }, where);
}

/** Every key that repeats one before it in the same map; under `nodes` that is a duplicate node id. */
function duplicateKeys(source: YamlSource): Diagnostic[] {
  const found: Diagnostic[] = [];
  // An explicit stack: a document may be nested thousands deep.
  const stack: Array<{ node: unknown; path: Array<string | number> }> = [{ node: source.doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
      continue;
    }
    if (!isMap(node)) continue;
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && seen.has(key)) found.push(duplicateKeyDiagnostic(source, pair.key as Node, [...path, key]));
      if (key !== undefined) seen.add(key);
      stack.push({ node: pair.value, path: [...path, key ?? "?"] });
    }
  }
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

function duplicateKeyDiagnostic(source: YamlSource, keyNode: Node, path: Array<string | number>): Diagnostic {
  const range = keyNode.range ? rangeOf(source, keyNode.range[0], keyNode.range[1]) : START_OF_FILE;
  const key = String(path[path.length - 1]);
  const where = { file: source.file, range, path };
  if (path.length === 2 && path[0] === "nodes") return makeDiagnostic("duplicate-id", { id: key }, where);
  return makeDiagnostic("duplicate-key", { key }, where);
}

function firstLine(message: string): string {
  if (message.startsWith("Source contains multiple documents")) return "a file holds one YAML document; remove the extra '---'";
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}

export function rangeOf(source: { lines: LineIndex }, start: number, end: number): SourceRange {
  const a = source.lines.linePos(start);
  const b = source.lines.linePos(Math.max(start, end));
  return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
}

/** The YAML node for a data path, and the key node when the last step is a map key. */
const mapIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

/** A map's pairs by key, built once per map: a file with many problems asks for many paths. */
function pairsByKey(map: YAMLMap): Map<string, Pair> {
  let index = mapIndexes.get(map);
  if (index === undefined) {
    index = new Map();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && !index.has(key)) index.set(key, pair);
    }
    mapIndexes.set(map, index);
  }
  return index;
}

export function nodeAtPath(source: YamlSource, path: ReadonlyArray<string | number>): { value?: Node; key?: Node; parent?: Node } {
  let current: unknown = source.doc.contents;
  let key: Node | undefined;
  let parent: Node | undefined;
  for (const step of path) {
    parent = current as Node;
    key = undefined;
    if (isMap(current)) {
      const pair = pairsByKey(current).get(String(step));
      if (pair === undefined) return { parent };
      key = pair.key as Node;
      current = pair.value;
    } else if (isSeq(current) && typeof step === "number") {
      current = current.items[step];
    } else {
      return { parent };
    }
  }
  return { value: current as Node | undefined, key, parent };
}

/** Where to point for a data path: the value if it exists, else the nearest enclosing node. */
export function rangeAtPath(source: YamlSource, path: ReadonlyArray<string | number>, prefer: "value" | "key" = "value"): SourceRange {
  for (let depth = path.length; depth >= 0; depth--) {
    const found = nodeAtPath(source, path.slice(0, depth));
    const node = prefer === "key" && depth === path.length ? found.key ?? found.value : found.value ?? found.key;
    const range = node?.range;
    if (range) return rangeOf(source, range[0], range[1]);
  }
  return START_OF_FILE;
}

/**
 * Where a span of a scalar's value is in the file, e.g. one end of an edge line. The value is
 * found in the scalar's source text (past any quote); with escapes in between, the whole scalar.
 */
export function rangeWithinScalar(source: YamlSource, path: ReadonlyArray<string | number>, value: string, span: readonly [number, number]): SourceRange {
  const node = nodeAtPath(source, path).value;
  if (!node?.range) return rangeAtPath(source, path);
  const [start, end] = node.range;
  const at = source.text.slice(start, end).indexOf(value);
  if (at < 0) return rangeOf(source, start, end);
  return rangeOf(source, start + at + span[0], start + at + span[1]);
}
