// A canvas action as text edits of the APP, made by core so the canvas and the CLI agree on the
// file's shape; a connection core's type rule refuses comes back with its reason instead.
import { parseBlockRef } from "../../core/app-file.ts";
import { typesCompatible } from "../../core/check-app.ts";
import { addNodesEdit, connectEdit, deleteElementsEdit, moveNodesEdit, setConfigEdit, uniqueNodeId, type TextEdit } from "../../core/edit-app.ts";
import type { BlockRegistry } from "../../core/registry.ts";
import type { EdgeView, Text, WebviewMessage } from "../../webview/protocol.ts";
import { appView } from "./app-view.ts";

export type CanvasEditResult = { edits: TextEdit[] } | { refused: Text };
type EditMessage = Exclude<WebviewMessage, { type: "ready" } | { type: "openText" } | { type: "dropVariable" }>;

export function canvasEdits(text: string, message: EditMessage, registry: BlockRegistry): CanvasEditResult {
  switch (message.type) {
    case "moveNodes":
      return { edits: moveNodesEdit(text, message.positions) };
    case "setConfig":
      return { edits: setConfigEdit(text, message.node, message.config) };
    case "deleteElements":
      return { edits: deleteElementsEdit(text, message.nodes, message.edges) };
    case "connect": {
      const reason = connectionRefusal(text, message.edge, registry);
      return reason ? { refused: reason } : { edits: connectEdit(text, message.edge) };
    }
    case "addNodes":
      return addNodes(text, message.nodes, message.edges ?? []);
  }
}

/** New ids for the nodes (readable, unused), and pasted edges rewired to them. */
function addNodes(text: string, nodes: Extract<EditMessage, { type: "addNodes" }>["nodes"], edges: EdgeView[]): CanvasEditResult {
  const taken: string[] = [];
  const renamed = new Map<string, string>();
  const added = nodes.map((node) => {
    const id = uniqueNodeId(text, parseBlockRef(node.block).id, taken);
    taken.push(id);
    if (node.copiedId !== undefined) renamed.set(node.copiedId, id);
    return { id, block: node.block, ...(node.config ? { config: node.config } : {}), position: node.position };
  });
  const rewired = edges.flatMap((e) => {
    const from = renamed.get(e.from.node);
    const to = renamed.get(e.to.node);
    return from && to ? [{ from: { node: from, port: e.from.port }, to: { node: to, port: e.to.port } }] : [];
  });
  return { edits: addNodesEdit(text, added, rewired) };
}

/** Why core would refuse this edge, in both languages; undefined when it may be drawn. */
export function connectionRefusal(text: string, edge: EdgeView, registry: BlockRegistry): Text | undefined {
  const { view } = appView("canvas.iapp.yaml", text, 0);
  const block = (node: string) => {
    const ref = view.nodes.find((n) => n.id === node)?.block;
    if (ref === undefined) return undefined;
    const { id, major } = parseBlockRef(ref);
    return registry.find(id, major);
  };
  const output = block(edge.from.node)?.manifest.outputs[edge.from.port];
  const input = block(edge.to.node)?.manifest.inputs[edge.to.port];
  if (output === undefined || input === undefined) {
    return { en: `There is no port ${edge.from.node}.${edge.from.port} or ${edge.to.node}.${edge.to.port}.`, "zh-CN": `端口 ${edge.from.node}.${edge.from.port} 或 ${edge.to.node}.${edge.to.port} 不存在。` };
  }
  if (edge.from.node === edge.to.node) return { en: "A block cannot feed itself.", "zh-CN": "功能块不能连接到自身。" };
  if (typesCompatible(output.type, input.type)) return undefined;
  const out = [output.type].flat().join(" | ");
  const into = [input.type].flat().join(" | ");
  return {
    en: `${edge.from.node}.${edge.from.port} sends ${out}, but ${edge.to.node}.${edge.to.port} takes ${into}.`,
    "zh-CN": `${edge.from.node}.${edge.from.port} 输出 ${out}，而 ${edge.to.node}.${edge.to.port} 只接受 ${into}。`,
  };
}
