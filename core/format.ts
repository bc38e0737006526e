import { isMap, isScalar, parseDocument, visit, type Document, type YAMLMap } from "yaml";
import { makeDiagnostic, type Diagnostic } from "./diagnostics.ts";
import { LineIndex } from "./line-index.ts";
import { parseYamlText, rangeOf } from "./yaml-source.ts";

export type FileKind = "app" | "binding";

const i18n = ["en", "zh-CN"];

/** Canonical key order of each kind of map, by its path pattern ("*" matches any key). */
const orders: Record<FileKind, Array<{ path: string[]; keys: string[] }>> = {
  app: [
    { path: [], keys: ["dengta", "app", "parameters", "signals", "nodes", "edges", "layout"] },
    { path: ["app"], keys: ["id", "version", "title", "description", "author", "license", "tags"] },
    { path: ["parameters", "*"], keys: ["type", "default", "unit", "minimum", "maximum", "enum", "title", "description"] },
    { path: ["signals", "*"], keys: ["type", "direction", "unit", "title", "description"] },
    { path: ["nodes", "*"], keys: ["block", "title", "config", "queue"] },
  ],
  binding: [
    { path: [], keys: ["dengta", "app", "site", "endpoints", "signals", "cameras", "parameters", "calendar"] },
    { path: ["endpoints", "*"], keys: ["url", "simulator", "security", "user", "certificate"] },
    { path: ["signals", "*"], keys: ["endpoint", "nodeId", "samplingMs", "queueSize", "deadband"] },
    { path: ["calendar"], keys: ["timezone", "shifts"] },
  ],
};

/**
 * Rewrites a file in canonical key order, keeping comments, the user's order of nodes and
 * edges, and flow or block style as written. Returns diagnostics instead when it cannot parse.
 */
export function formatText(kind: FileKind, file: string, text: string): { text: string } | { diagnostics: Diagnostic[] } {
  const loneCr = /\r(?!\n)/.exec(text);
  if (loneCr) return { diagnostics: [loneCarriageReturn(file, text, loneCr.index)] };
  const crlf = text.includes("\r\n");
  const loaded = parseYamlText(file, crlf ? text.replaceAll("\r\n", "\n") : text);
  if (!loaded.ok || loaded.diagnostics.length > 0) return { diagnostics: loaded.diagnostics };
  const doc = loaded.value.doc;
  keepHeaderCommentOnTop(doc, () => sortMaps(doc, kind));
  if (kind === "app") orderLayoutLikeNodes(doc);
  const formatted = tightenFlowSequences(doc.toString({ lineWidth: 0, minContentWidth: 0, flowCollectionPadding: true }));
  return { text: crlf ? formatted.replaceAll("\n", "\r\n") : formatted };
}

/** yaml reads a lone CR as part of a line and writes it back ambiguously; such a file is refused. */
function loneCarriageReturn(file: string, text: string, offset: number): Diagnostic {
  return makeDiagnostic("lone-carriage-return", {}, { file, range: rangeOf({ lines: new LineIndex(text) }, offset, offset + 1) });
}

/**
 * The yaml package pads flow maps and sequences alike; Dengta writes `{ a: 1 }` but `[40, 120]`.
 * Found by re-parsing, so brackets inside strings are never touched.
 */
function tightenFlowSequences(text: string): string {
  const edits: number[] = [];
  visit(parseDocument(text), {
    Seq(_key, node) {
      const range = node.range;
      if (!node.flow || !range || text[range[0]] !== "[") return;
      const close = text.lastIndexOf("]", range[1] - 1);
      if (text.startsWith("[ ", range[0]) && text[close - 1] === " " && close - 1 > range[0] + 1) edits.push(range[0] + 1, close - 1);
    },
  });
  let result = text;
  for (const offset of edits.sort((a, b) => b - a)) result = result.slice(0, offset) + result.slice(offset + 1);
  return result;
}

/** A comment right above the first key is the file's header: it stays at the top, not with that key. */
function keepHeaderCommentOnTop(doc: Document.Parsed, reorder: () => void): void {
  const keyOfFirst = () => (isMap(doc.contents) ? doc.contents.items[0]?.key as { commentBefore?: string | null } | undefined : undefined);
  const before = keyOfFirst();
  const header = before?.commentBefore;
  if (before && header) before.commentBefore = null;
  reorder();
  const after = keyOfFirst();
  if (after && header) after.commentBefore = after.commentBefore ? `${header}\n${after.commentBefore}` : header;
}

function sortMaps(doc: Document.Parsed, kind: FileKind): void {
  const visit = (node: unknown, path: string[]): void => {
    if (!isMap(node)) return;
    const rule = orders[kind].find((r) => matches(r.path, path));
    if (rule) sortByKeys(node, rule.keys);
    else if (node.items.length > 0 && node.items.every((p) => i18n.includes(keyOf(p.key)))) sortByKeys(node, i18n);
    for (const pair of node.items) visit(pair.value, [...path, keyOf(pair.key)]);
  };
  visit(doc.contents, []);
}

/** Layout entries follow the order of the nodes they place. */
function orderLayoutLikeNodes(doc: Document.Parsed): void {
  const nodes = doc.get("nodes");
  const layout = doc.get("layout");
  if (!isMap(nodes) || !isMap(layout)) return;
  sortByKeys(layout, nodes.items.map((p) => keyOf(p.key)));
}

/** Stable: known keys in the given order, then the rest as they were. */
function sortByKeys(map: YAMLMap, keys: string[]): void {
  const rank = (key: string) => {
    const i = keys.indexOf(key);
    return i < 0 ? keys.length : i;
  };
  map.items = map.items
    .map((pair, index) => ({ pair, index }))
    .sort((a, b) => rank(keyOf(a.pair.key)) - rank(keyOf(b.pair.key)) || a.index - b.index)
    .map(({ pair }) => pair);
  // A blank line belongs between entries, never before the first one.
  const first = map.items[0]?.key as { spaceBefore?: boolean } | undefined;
  if (first?.spaceBefore) first.spaceBefore = false;
}

function matches(pattern: string[], path: string[]): boolean {
  return pattern.length === path.length && pattern.every((p, i) => p === "*" || p === path[i]);
}

function keyOf(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}
