import { describe, expect, it } from "vitest";
import type { AppView, BlockView } from "./protocol.ts";
import {
  catalogByRef, checkConnection, configErrors, copySelection, deleteMessage, flowEdges, flowNodes, keepCanvasState, variableDropMessage,
  localizeSchema, moveMessage, paletteGroups, parseClipboard, pasteMessage, problemsByNode, upstreamFields, withoutUndefined, worstSeverity,
} from "./state.ts";
import { configUiSchema } from "./config-ui.ts";

const text = (en: string, zh: string) => ({ en, "zh-CN": zh });

const map: BlockView = {
  ref: "dengta.flow.map@1", id: "dengta.flow.map", version: "1.0.0", category: "transform",
  title: text("Map (JSONata)", "映射（JSONata）"), description: text("Transforms", "转换"),
  keywords: ["jsonata", "公式"],
  inputs: { in: { type: "any", required: true, title: text("Input", "输入") } },
  outputs: { out: { type: "any", required: false, title: text("Result", "结果") }, error: { type: "object", required: false, title: text("Error", "错误") } },
  configSchema: {
    type: "object",
    properties: {
      expression: { type: "string", minLength: 1, description: "JSONata expression. / JSONata 表达式。" },
      timeoutMs: { type: "integer", default: 250 },
    },
    required: ["expression"],
  },
  expressionFields: ["expression"],
};
const oee: BlockView = {
  ref: "dengta.kpi.oee@1", id: "dengta.kpi.oee", version: "1.1.0", category: "report",
  title: text("OEE per shift", "班次 OEE"), description: text("OEE", "OEE"), keywords: ["设备综合效率", "availability"],
  inputs: {
    state: { type: ["string", "object"], required: true, title: text("Machine state", "设备状态") },
    good: { type: "number", required: true, title: text("Good parts", "良品数") },
  },
  outputs: { out: { type: "object", required: false, title: text("Shift OEE", "班次 OEE") } },
  configSchema: { type: "object", properties: { machine: { type: "string" }, idealCycleTimeS: { type: "number" } } },
  expressionFields: [],
};
const subscribe: BlockView = {
  ...map, ref: "dengta.opcua.subscribe@1", id: "dengta.opcua.subscribe", category: "capture",
  title: text("OPC UA subscribe", "OPC UA 订阅"), keywords: ["opc ua"], inputs: {},
  outputs: { out: { type: "any", required: false, title: text("Value", "值") } }, expressionFields: [],
};
const catalog = [map, oee, subscribe];
const blocks = catalogByRef(catalog);
const compatible = { any: ["any", "number", "object", "object|string", "string"], object: ["any", "object", "object|string"], number: ["any", "number"] };

const app: AppView = {
  version: 7,
  nodes: [
    { id: "src", block: "dengta.opcua.subscribe@1", config: { signal: "m1Good" }, position: [10.4, 20.6] },
    { id: "calc", block: "dengta.flow.map@1", config: { expression: "$ * 2" } },
    { id: "kpi", block: "dengta.kpi.oee@1", config: { machine: "M1", idealCycleTimeS: { $param: "m1IdealCycleS" } }, position: [400, 0] },
    { id: "ghost", block: "acme.unknown@2", config: {} },
  ],
  edges: [
    { from: { node: "src", port: "out" }, to: { node: "calc", port: "in" } },
    { from: { node: "calc", port: "out" }, to: { node: "kpi", port: "good" } },
    { from: { node: "ghost", port: "x" }, to: { node: "kpi", port: "state" } },
  ],
  problems: [
    { severity: "warning", message: text("Slow", "慢"), code: "W1", line: 1, column: 1, node: "calc", configPath: "/timeoutMs" },
    { severity: "error", message: text("Bad expression", "表达式错误"), code: "E1", line: 2, column: 1, node: "calc", configPath: "/expression" },
    { severity: "error", message: text("Unknown block", "未知模块"), code: "E2", line: 3, column: 1, node: "ghost" },
    { severity: "info", message: text("Whole file", "整个文件"), code: "I1", line: 1, column: 1 },
  ],
};

describe("nodes and edges from the document", () => {
  it("places nodes at the document's position, else the automatic one, with ports and problems", () => {
    const nodes = flowNodes(app, blocks, "zh-CN", { calc: [200, 0] });
    expect(nodes.map((n) => [n.id, n.position.x, n.position.y])).toEqual([["src", 10.4, 20.6], ["calc", 200, 0], ["kpi", 400, 0], ["ghost", 0, 0]]);
    const calc = nodes[1]!;
    expect(calc.type).toBe("block");
    expect(calc.data.severity).toBe("error");
    expect(calc.data.problems).toHaveLength(2);
    expect(calc.data.inputs.map((r) => r.port)).toEqual(["in"]);
    expect(calc.data.outputs.map((r) => r.port)).toEqual(["out", "error"]);
    const ghost = nodes[3]!;
    expect(ghost.data.block).toBeUndefined();
    expect(ghost.data.outputs).toEqual([{ port: "x", view: undefined }]); // the edge's port, so the edge still shows
  });

  it("derives edges with stable ids and keeps their selection", () => {
    const edges = flowEdges(app, new Set(["src.out->calc.in"]));
    expect(edges[0]).toMatchObject({ id: "src.out->calc.in", source: "src", sourceHandle: "out", target: "calc", targetHandle: "in", selected: true });
    expect(edges[1]!.selected).toBe(false);
  });

  it("shows a running APP's figures on its blocks and each edge's last value, and none when it stops", () => {
    const live = { src: { in: 0, out: 12, rate: 2.5, errors: 0, last: "45.19" }, calc: { in: 12, out: 11, rate: 2, errors: 1 } };
    const nodes = flowNodes(app, blocks, "en", {}, live);
    expect(nodes[0]!.data.live).toEqual(live.src);
    expect(nodes[2]!.data.live).toBeUndefined();
    const edges = flowEdges(app, new Set(), live);
    expect(edges.find((e) => e.source === "src")).toMatchObject({ label: "45.19", className: "edge-live" });
    expect(edges.find((e) => e.source === "calc")?.label).toBeUndefined(); // no value sent yet
    expect(flowEdges(app, new Set()).some((e) => e.label !== undefined)).toBe(false);
    expect(flowNodes(app, blocks, "en", {}).some((n) => n.data.live !== undefined)).toBe(false);
  });

  it("keeps selection, size and a drag in progress across a new document", () => {
    const before = flowNodes(app, blocks, "en", {});
    before[0] = { ...before[0]!, selected: true, measured: { width: 200, height: 80 }, dragging: true, position: { x: 99, y: 98 } };
    before[2] = { ...before[2]!, selected: true, position: { x: 1, y: 1 } };
    const after = keepCanvasState(flowNodes(app, blocks, "en", {}), before);
    expect(after[0]).toMatchObject({ selected: true, dragging: true, position: { x: 99, y: 98 }, measured: { width: 200, height: 80 } });
    expect(after[2]).toMatchObject({ selected: true, position: { x: 400, y: 0 } }); // not dragging: the document's position
  });
});

describe("problems", () => {
  it("groups by node and picks the worst", () => {
    const byNode = problemsByNode(app.problems);
    expect([...byNode.keys()]).toEqual(["calc", "ghost"]);
    expect(worstSeverity(byNode.get("calc")!)).toBe("error");
    expect(worstSeverity([])).toBeUndefined();
  });

  it("places host problems on config fields for the form, in the user's language", () => {
    expect(configErrors(app.problems, "calc", "zh-CN")).toEqual({ timeoutMs: { __errors: ["慢"] }, expression: { __errors: ["表达式错误"] } });
    expect(configErrors(app.problems, "ghost", "en")).toEqual({}); // no configPath: listed above the form
    expect(configErrors([{ ...app.problems[0]!, configPath: "" }], "calc", "en")).toEqual({ __errors: ["Slow"] });
    const nested = [{ ...app.problems[0]!, configPath: "/columns/0/a~1b" }];
    expect(configErrors(nested, "calc", "en")).toEqual({ columns: { 0: { "a/b": { __errors: ["Slow"] } } } });
  });
});

describe("connecting", () => {
  it("accepts what the host's table allows", () => {
    expect(checkConnection({ node: "calc", port: "error" }, { node: "kpi", port: "state" }, app, blocks, compatible))
      .toEqual({ ok: true, edge: { from: { node: "calc", port: "error" }, to: { node: "kpi", port: "state" } } });
  });

  it("refuses with a reason in both languages", () => {
    const result = checkConnection({ node: "calc", port: "error" }, { node: "kpi", port: "good" }, app, blocks, compatible);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.en).toContain("object");
    expect(result.reason.en).toContain("number");
    expect(result.reason["zh-CN"]).toMatch(/^类型不匹配/);
  });

  it("refuses a loop, a duplicate and unknown ports", () => {
    const check = (from: string, to: string) => {
      const [fn, fp] = from.split(".") as [string, string];
      const [tn, tp] = to.split(".") as [string, string];
      return checkConnection({ node: fn, port: fp }, { node: tn, port: tp }, app, blocks, compatible).ok;
    };
    expect(check("calc.out", "calc.in")).toBe(false);
    expect(check("src.out", "calc.in")).toBe(false);
    expect(check("src.nope", "calc.in")).toBe(false);
    expect(check("ghost.x", "calc.in")).toBe(false);
  });
});

describe("palette", () => {
  it("groups by category in palette order and sorts by title", () => {
    const groups = paletteGroups(catalog, "", "en");
    expect(groups.map((g) => g.category)).toEqual(["capture", "transform", "report"]);
  });

  it("matches English and Chinese titles, ids and keywords; every word must match", () => {
    const refs = (query: string) => paletteGroups(catalog, query, "zh-CN").flatMap((g) => g.blocks.map((b) => b.ref));
    expect(refs("映射")).toEqual(["dengta.flow.map@1"]);
    expect(refs("OEE")).toEqual(["dengta.kpi.oee@1"]);
    expect(refs("设备综合效率")).toEqual(["dengta.kpi.oee@1"]);
    expect(refs("dengta.opcua")).toEqual(["dengta.opcua.subscribe@1"]);
    expect(refs("公式 map")).toEqual(["dengta.flow.map@1"]);
    expect(refs("公式 oee")).toEqual([]);
  });
});

describe("messages", () => {
  it("rounds moved positions", () => {
    expect(moveMessage(7, [{ id: "a", x: 10.5, y: -3.4 }])).toEqual({ type: "moveNodes", version: 7, positions: { a: [11, -3] } });
  });

  it("lists each deleted node and edge once", () => {
    const edge = app.edges[0]!;
    expect(deleteMessage(7, ["src", "src"], [edge, edge])).toEqual({ type: "deleteElements", version: 7, nodes: ["src"], edges: [edge] });
  });

  it("copies nodes with their internal edges only, and pastes them offset with their copied ids", () => {
    const clipboard = copySelection(app, new Set(["src", "calc"]), { calc: [200, 0] })!;
    expect(clipboard.nodes.map((n) => [n.id, n.position])).toEqual([["src", [10.4, 20.6]], ["calc", [200, 0]]]);
    expect(clipboard.edges).toEqual([app.edges[0]]);
    expect(pasteMessage(8, clipboard, [40, 40])).toEqual({
      type: "addNodes",
      version: 8,
      nodes: [
        { block: "dengta.opcua.subscribe@1", config: { signal: "m1Good" }, position: [50, 61], copiedId: "src" },
        { block: "dengta.flow.map@1", config: { expression: "$ * 2" }, position: [240, 40], copiedId: "calc" },
      ],
      edges: [app.edges[0]],
    });
    expect(copySelection(app, new Set(), {})).toBeUndefined();
  });

  it("turns a drop from the Devices view into a message with the block under it and the text it carried", () => {
    expect(variableDropMessage(7, [10.4, 20.6], "src", "dengta-opcua://plc/?node=i%3D1&name=T")).toEqual({
      type: "dropVariable", version: 7, drop: { position: [10, 21], node: "src", data: "dengta-opcua://plc/?node=i%3D1&name=T" },
    });
    expect(variableDropMessage(7, [0, 0], undefined, undefined)).toEqual({ type: "dropVariable", version: 7, drop: { position: [0, 0] } });
  });

  it("reads a clipboard back only when well formed", () => {
    const clipboard = copySelection(app, new Set(["kpi"]), {})!;
    expect(parseClipboard(JSON.stringify(clipboard))).toEqual(clipboard);
    expect(parseClipboard("not json")).toBeUndefined();
    expect(parseClipboard(JSON.stringify({ nodes: [{ id: "a", block: "b", config: {}, position: [0] }], edges: [] }))).toBeUndefined();
    expect(parseClipboard(JSON.stringify({ nodes: [], edges: [] }))).toBeUndefined();
  });
});

describe("the expression editor's completion", () => {
  it("offers the fields of the messages wired into the node, and none for a plain value", () => {
    const withFields = new Map(blocks);
    withFields.set(oee.ref, { ...oee, outputs: { out: { ...oee.outputs.out!, fields: { oee: "number", shift: "string" } } } });
    const wired: AppView = { ...app, edges: [...app.edges, { from: { node: "kpi", port: "out" }, to: { node: "calc", port: "in" } }] };
    expect(upstreamFields(wired, withFields, "calc")).toEqual({ oee: "number", shift: "string" });
    expect(upstreamFields(app, withFields, "calc")).toEqual({});
  });
});

describe("the inspector's form", () => {
  it("cuts bilingual descriptions to the user's language", () => {
    const schema = localizeSchema(map.configSchema, "zh-CN") as { properties: { expression: { description: string } } };
    expect(schema.properties.expression.description).toBe("JSONata 表达式。");
    expect((localizeSchema(map.configSchema, "en") as typeof schema).properties.expression.description).toBe("JSONata expression.");
    expect(localizeSchema({ description: "a / b" }, "zh-CN")).toEqual({ description: "a / b" });
  });

  it("uses Monaco for expressions, shows parameters, and shows defaults as placeholders", () => {
    expect(configUiSchema(map, {}, false)).toMatchObject({ expression: { "ui:widget": "expression" }, timeoutMs: { "ui:placeholder": "250" } });
    expect(configUiSchema(oee, app.nodes[2]!.config, true)).toMatchObject({ "ui:readonly": true, idealCycleTimeS: { "ui:field": "parameter" } });
  });

  it("drops undefined members before sending a config", () => {
    expect(withoutUndefined({ a: 1, b: undefined, c: { d: undefined, e: [1] } })).toEqual({ a: 1, c: { e: [1] } });
  });
});
