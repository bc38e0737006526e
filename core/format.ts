import { isMap, isScalar, type Document, type YAMLMap } from "yaml";
import type { Diagnostic } from "./diagnostics.ts";
import { parseYamlText } from "./yaml-source.ts";

export type FileKind = "app" | "binding";

const i18n = ["en", "zh-CN"];

/** Canonical key order of each kind of map, by its path pattern ("*" matches any key). */
const orders: Record<FileKind, Array<{ path: string[]; keys: string[] }>> = {
  app: [
    { path: [], keys: ["dengta", "app", "parameters", "signals", "nodes", "edges", "layout"] },
    { path: ["app"], keys: ["id", "version", "title", "description", "author", "license", "tags"] },
    { path: ["parameters", "*"], keys: ["type", "default", "unit", "minimum", "maximum", "enum", "title", "description"] },
    { path: ["signals", "*"], keys: ["type", "direction", "unit", "title", "description"] },
    { path: ["nodes", "*"], keys: ["block", "title", "config"] },
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
  const loaded = parseYamlText(file, text);
  if (!loaded.ok || loaded.diagnostics.length > 0) return { diagnostics: loaded.diagnostics };
  const doc = loaded.value.doc;
  sortMaps(doc, kind);
  if (kind === "app") orderLayoutLikeNodes(doc);
  return { text: doc.toString({ lineWidth: 0, minContentWidth: 0, flowCollectionPadding: true }) };
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
}

function matches(pattern: string[], path: string[]): boolean {
  return pattern.length === path.length && pattern.every((p, i) => p === "*" || p === path[i]);
}

function keyOf(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}
