import type { LocalizedText } from "./diagnostics.ts";

/** The data of a `*.iapp.yaml` once it passes app.schema.json. */
export interface AppDocument {
  dengta: 1;
  app: { id: string; version: string; title: LocalizedText; description?: LocalizedText; author?: string; license?: string; tags?: string[] };
  parameters?: Record<string, ParameterSpec>;
  signals?: Record<string, SignalSpec>;
  nodes: Record<string, NodeSpec>;
  edges?: string[];
  layout?: Record<string, [number, number]>;
}

export interface ParameterSpec {
  type: "number" | "integer" | "string" | "boolean";
  default?: unknown;
  title: LocalizedText;
  description?: LocalizedText;
  unit?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
}

export interface SignalSpec {
  type: string;
  direction: "in" | "out" | "inout";
  unit?: string;
  title: LocalizedText;
  description?: LocalizedText;
}

export interface QueueSpec {
  size: number;
  overflow: "block" | "drop-oldest" | "drop-newest";
}

export interface NodeSpec {
  block: string;
  title?: LocalizedText;
  config?: Record<string, unknown>;
  queue?: QueueSpec;
}

export interface PortRef {
  node: string;
  port: string;
}

/** Where each end of an edge is within its text: [start, end) offsets of `node.port`. */
export interface EdgeSpans {
  from: [number, number];
  to: [number, number];
}

export interface Edge {
  from: PortRef;
  to: PortRef;
  /** Position in the `edges` list, for locating diagnostics. */
  index: number;
  text: string;
  spans: EdgeSpans;
}

const EDGE = /^\s*(([A-Za-z][A-Za-z0-9_-]*)\.([a-z][A-Za-z0-9]*))\s*->\s*(([A-Za-z][A-Za-z0-9_-]*)\.([a-z][A-Za-z0-9]*))\s*$/d;

export function parseEdge(text: string, index: number): Edge | undefined {
  const m = EDGE.exec(text);
  if (m === null) return undefined;
  const spans = { from: m.indices![1]!, to: m.indices![4]! };
  return { from: { node: m[2]!, port: m[3]! }, to: { node: m[5]!, port: m[6]! }, index, text, spans };
}

export function formatEdge(edge: { from: PortRef; to: PortRef }): string {
  return `${edge.from.node}.${edge.from.port} -> ${edge.to.node}.${edge.to.port}`;
}

/** Splits `dengta.flow.map@1` into id and major version. */
export function parseBlockRef(ref: string): { id: string; major: number } {
  const at = ref.lastIndexOf("@");
  return { id: ref.slice(0, at), major: Number(ref.slice(at + 1)) };
}
