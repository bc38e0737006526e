import { isMap, parseDocument, type Pair, type YAMLMap } from "yaml";
import type { NodeSpec } from "../app-file.ts";
import { edgeEdits, edgesOf, sameEdge, type EdgeRef } from "./edges.ts";
import { flowScalar, flowValue, isPlainObject } from "./flow-value.ts";
import { layoutEdits, type Position } from "./layout.ts";
import { asWholeLines, joinInserts, lineStart, newlineOf, type TextEdit } from "./text-edit.ts";
import { appendEntries, entryStart, insertPair, keyOf, pairOf, readApp, removeEntries, replaceValue } from "./yaml-places.ts";

/** Keys of a node in the order core/format.ts writes them. */
const NODE_KEYS = ["block", "title", "config", "queue"];
const ID_LIMIT = 64;

export interface NewNode {
  id: string;
  block: string;
  config?: Record<string, unknown>;
  position?: Position;
}

/**
 * Adds nodes as one flow-style line each at the end of `nodes`, their positions to `layout`
 * and their edges (those not there yet) to `edges`, creating sections that are missing.
 */
export function addNodesEdit(text: string, nodes: readonly NewNode[], edges: readonly EdgeRef[] = []): TextEdit[] {
  return asWholeLines(text, (whole) => {
    const root = readApp(whole);
    const nodesMap = pairOf(root, "nodes")?.value;
    for (const node of nodes) {
      if (pairOf(nodesMap, node.id)) throw new Error(`node '${node.id}' exists already; ask uniqueNodeId for a free id`);
    }
    const positions = Object.fromEntries(nodes.flatMap((n) => (n.position ? [[n.id, n.position]] : [])));
    return joinInserts([
      ...(nodes.length > 0 ? [appendEntries(whole, root, "nodes", nodes.map(nodeLine))] : []),
      ...edgeEdits(whole, root, edges),
      ...layoutEdits(whole, root, positions),
    ]);
  });
}

function nodeLine(node: NewNode): string {
  const config = node.config && Object.keys(node.config).length > 0 ? `, config: ${flowValue(node.config)}` : "";
  return `${node.id}: { block: ${flowScalar(node.block)}${config} }`;
}

/**
 * A readable id for a new node of block `blockId` (`dengta.transform.counter-delta` gives
 * `counterDelta`, then `counterDelta2`, …), free in the APP and not among `taken`.
 */
export function uniqueNodeId(app: string | { nodes?: Record<string, NodeSpec> | null }, blockId: string, taken: Iterable<string> = []): string {
  const nodes = typeof app === "string" ? nodesOf(app) : app.nodes;
  const used = new Set([...Object.keys(nodes ?? {}), ...taken]);
  const base = readableId(blockId);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}${n}`)) return `${base}${n}`;
}

function nodesOf(text: string): Record<string, NodeSpec> | undefined {
  const value = parseDocument(text).toJS() as unknown;
  const nodes = isPlainObject(value) ? value.nodes : undefined;
  return isPlainObject(nodes) ? (nodes as Record<string, NodeSpec>) : undefined;
}

function readableId(blockId: string): string {
  const name = blockId.replace(/@.*$/, "").split(".").pop() ?? "";
  const camel = name.replace(/[-_\s]+([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "");
  const id = /^[A-Za-z]/.test(camel) ? camel[0]!.toLowerCase() + camel.slice(1) : `node${camel}`;
  // Room for a counter within the schema's 64 characters.
  return id.slice(0, ID_LIMIT - 6);
}

/**
 * Removes nodes with every edge touching them and their layout entries, and the given edges.
 * Whole lines go, with comments on them or indented under them; a comment above a removed node
 * stays: it may speak for more than that node. An emptied section stays as `{}` or `[]`.
 */
export function deleteElementsEdit(text: string, nodeIds: readonly string[], edges: readonly EdgeRef[]): TextEdit[] {
  return asWholeLines(text, (whole) => {
    const root = readApp(whole);
    const gone = new Set(nodeIds);
    const parsed = edgesOf(root);
    const edgeGone = (index: number) => {
      const edge = parsed[index];
      return edge !== undefined && (gone.has(edge.from.node) || gone.has(edge.to.node) || edges.some((e) => sameEdge(e, edge)));
    };
    const byKey = (entry: unknown) => gone.has(keyOf(entry as Pair));
    return [
      ...removeFrom(whole, root, "nodes", byKey),
      ...removeFrom(whole, root, "edges", (_, index) => edgeGone(index)),
      ...removeFrom(whole, root, "layout", byKey),
    ];
  });
}

function removeFrom(text: string, root: YAMLMap | undefined, section: string, doomed: (entry: unknown, index: number) => boolean): TextEdit[] {
  const pair = pairOf(root, section);
  return pair ? removeEntries(text, pair, doomed) : [];
}

/**
 * Sets a node's config, leaving its other keys, its comments and the rest of the file alone:
 * the value rewritten in its place, `config` added in canonical position, or removed when empty.
 */
export function setConfigEdit(text: string, nodeId: string, config: Record<string, unknown>): TextEdit[] {
  return asWholeLines(text, (whole) => {
    const nodePair = pairOf(pairOf(readApp(whole), "nodes")?.value, nodeId);
    const node = nodePair?.value;
    if (!nodePair || !isMap(node)) return [];
    const current = pairOf(node, "config");
    const empty = Object.values(config).every((v) => v === undefined);
    if (current === undefined) return empty ? [] : [insertPair(whole, node, "config", flowValue(config), NODE_KEYS)];
    if (empty) return removeEntries(whole, nodePair, (entry) => entry === current);
    const block = current.value;
    if (isMap(block) && !block.flow && block.items.length > 0) return [blockConfig(whole, block, config)];
    return [replaceValue(whole, current, flowValue(config))];
  });
}

/** A config written one key per line stays so, each value in flow style. */
function blockConfig(text: string, map: YAMLMap, config: Record<string, unknown>): TextEdit {
  const first = entryStart(map.items[0]!);
  const start = lineStart(text, first);
  const indent = text.slice(start, first);
  const lines = Object.entries(config).filter(([, v]) => v !== undefined).map(([k, v]) => `${indent}${flowScalar(k)}: ${flowValue(v)}${newlineOf(text)}`);
  return { offset: start, length: map.range![1] - start, text: lines.join("") };
}
