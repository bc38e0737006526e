// What the canvas shows, read from the document's text by core: nodes, edges, layout and problems.
import { parseEdge } from "../../core/app-file.ts";
import type { Diagnostic } from "../../core/diagnostics.ts";
import { validateApp } from "../../core/validate.ts";
import { parseYamlText } from "../../core/yaml-source.ts";
import type { AppView, EdgeView, NodeView, ProblemView, Text } from "../../webview/protocol.ts";

type Data = Record<string, unknown>;
const isObject = (v: unknown): v is Data => typeof v === "object" && v !== null && !Array.isArray(v);

/** The canvas's view of `text` at `version`; as much as can be read when the APP has errors. */
export function appView(file: string, text: string, version: number): { view: AppView; diagnostics: Diagnostic[] } {
  const parsed = parseYamlText(file, text);
  if (!parsed.ok || !isObject(parsed.value.value)) {
    const first = parsed.diagnostics[0];
    const unreadable: Text = first?.message ?? { en: "This file is not an APP.", "zh-CN": "该文件不是 APP。" };
    return { view: { version, nodes: [], edges: [], problems: parsed.diagnostics.map(problemOf), unreadable }, diagnostics: parsed.diagnostics };
  }
  const data = parsed.value.value;
  // Read before the checks, which may fill the blocks' defaults into the parsed data.
  const view = { version, ...titleOf(data), nodes: nodesOf(data), edges: edgesOf(data) };
  const { diagnostics } = validateApp({ file, text, parsed });
  return { view: { ...view, problems: diagnostics.map(problemOf) }, diagnostics };
}

function titleOf(data: Data): { title?: Text } {
  const title = isObject(data.app) ? data.app.title : undefined;
  return isObject(title) && typeof title.en === "string" && typeof title["zh-CN"] === "string" ? { title: title as unknown as Text } : {};
}

function nodesOf(data: Data): NodeView[] {
  const layout = isObject(data.layout) ? data.layout : {};
  if (!isObject(data.nodes)) return [];
  return Object.entries(data.nodes).flatMap(([id, spec]): NodeView[] => {
    if (!isObject(spec) || typeof spec.block !== "string") return [];
    const position = layout[id];
    return [{
      id, block: spec.block,
      config: isObject(spec.config) ? structuredClone(spec.config) : {},
      ...(isObject(spec.title) ? { title: spec.title as unknown as Text } : {}),
      ...(isPosition(position) ? { position: [position[0], position[1]] as [number, number] } : {}),
    }];
  });
}

function isPosition(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === "number" && Number.isFinite(n));
}

function edgesOf(data: Data): EdgeView[] {
  if (!Array.isArray(data.edges)) return [];
  return data.edges.flatMap((text, index): EdgeView[] => {
    const edge = typeof text === "string" ? parseEdge(text, index) : undefined;
    return edge ? [{ from: edge.from, to: edge.to }] : [];
  });
}

/** A diagnostic placed on the node it concerns, and on the config field for the inspector. */
export function problemOf(d: Diagnostic): ProblemView {
  const [section, node, part, ...rest] = d.path;
  const onNode = section === "nodes" && typeof node === "string";
  return {
    severity: d.severity, message: d.message, code: d.code, line: d.line, column: d.column,
    ...(onNode ? { node } : {}),
    ...(onNode && part === "config" ? { configPath: `/${rest.map(String).join("/")}` } : {}),
  };
}
