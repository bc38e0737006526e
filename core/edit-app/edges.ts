import { isScalar, isSeq, type YAMLMap } from "yaml";
import { formatEdge, parseEdge, type Edge, type PortRef } from "../app-file.ts";
import { asWholeLines, type TextEdit } from "./text-edit.ts";
import { appendEntries, pairOf, readApp } from "./yaml-places.ts";

export interface EdgeRef {
  from: PortRef;
  to: PortRef;
}

/** The edit that draws an edge as a new line of `edges`; none when the APP has it already. */
export function connectEdit(text: string, edge: EdgeRef): TextEdit[] {
  return asWholeLines(text, (whole) => edgeEdits(whole, readApp(whole), [edge]));
}

export function edgeEdits(text: string, root: YAMLMap | undefined, edges: readonly EdgeRef[]): TextEdit[] {
  const known = new Set(edgesOf(root).flatMap((e) => (e ? [formatEdge(e)] : [])));
  const lines: string[] = [];
  for (const line of edges.map(formatEdge)) {
    if (!known.has(line)) lines.push(line);
    known.add(line);
  }
  return lines.length > 0 ? [appendEntries(text, root, "edges", lines)] : [];
}

/** Each item of `edges` read as an edge, undefined where it is not one. */
export function edgesOf(root: YAMLMap | undefined): Array<Edge | undefined> {
  const list = pairOf(root, "edges")?.value;
  if (!isSeq(list)) return [];
  return list.items.map((item, index) => (isScalar(item) && typeof item.value === "string" ? parseEdge(item.value, index) : undefined));
}

export function sameEdge(a: EdgeRef, b: EdgeRef): boolean {
  return formatEdge(a) === formatEdge(b);
}
