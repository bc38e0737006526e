// Canvas edits change only the lines of what was edited, and the APP stays valid.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { formatEdge, parseBlockRef, type AppDocument } from "./app-file.ts";
import {
  addNodesEdit, applyEdits, connectEdit, deleteElementsEdit, moveNodesEdit, setConfigEdit, uniqueNodeId,
  type EdgeRef, type TextEdit,
} from "./edit-app.ts";
import { builtinRegistry } from "./registry.ts";
import { validateApp } from "./validate.ts";

const { registry } = builtinRegistry();
const samplesDir = fileURLToPath(new URL("../samples/", import.meta.url));
const samples = readdirSync(samplesDir).flatMap((dir) =>
  readdirSync(`${samplesDir}${dir}`).filter((f) => f.endsWith(".iapp.yaml")).map((f) => ({ name: dir, file: `${samplesDir}${dir}/${f}`, text: readFileSync(`${samplesDir}${dir}/${f}`, "utf8") })));
const oven = samples.find((s) => s.name === "oven-watch")!.text;
const FILE = "canvas.iapp.yaml";

/** Comments on every kind of line, block-style nodes, a config written one key per line, a queue. */
const crafted = `# header comment
dengta: 1
app:
  id: crafted
  version: 1.0.0
  title: { en: Crafted, zh-CN: 手工 }
# the nodes
nodes:
  # the timer drives everything
  tick:
    block: dengta.time.timer@1 # inline
    config:
      intervalMs: 100 # fast
      count: 3
  # doubles it
  double:
    block: dengta.flow.map@1
    # multiply
    config: { expression: "$ * 2" }
    queue: { size: 10, overflow: drop-oldest }
  log: # the sink
    block: dengta.store.file@1
    config: { file: out.jsonl }
# wiring
edges:
  - tick.out -> double.in # first
  # then
  - double.out -> log.in
# positions
layout:
  tick: [0, 0]
  double: [200, 0] # right
  log: [400, 0]
# the end
`;

const flowStyle = `dengta: 1
app: { id: flowy, version: 1.0.0, title: { en: Flowy, zh-CN: 流式 } }
nodes: { tick: { block: dengta.time.timer@1, config: { intervalMs: 100 } }, log: { block: dengta.store.file@1, config: { file: out.jsonl } }, log2: { block: dengta.store.file@1, config: { file: b.jsonl } } }
edges: [tick.out -> log.in, tick.out -> log2.in]
layout: { tick: [0, 0], log: [200, 0], log2: [200, 100] }
`;

const minimal = `dengta: 1
app:
  id: minimal
  version: 1.0.0
  title: { en: Minimal, zh-CN: 最小 }
`;

const crlf = (text: string) => text.replaceAll("\n", "\r\n");
const lines = (text: string) => text.split("\n");
const edge = (text: string): EdgeRef => {
  const [from, to] = text.split(" -> ").map((end) => end.split("."));
  return { from: { node: from![0]!, port: from![1]! }, to: { node: to![0]!, port: to![1]! } };
};

/** Applies edits after checking they are what an editor can apply at once: none overlapping. */
function edited(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    expect(a.offset + a.length <= b.offset && !(a.offset === b.offset && a.length === 0)).toBe(true);
  }
  return applyEdits(text, edits);
}

function diagnostics(text: string): string[] {
  return validateApp({ file: FILE, text }, { registry }).diagnostics.map((d) => `${d.code} ${d.message}`);
}

function withoutLines(all: string[], drop: readonly string[]): string[] {
  const rest = [...all];
  for (const line of drop) {
    const at = rest.indexOf(line);
    expect(at, `line ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(0);
    rest.splice(at, 1);
  }
  return rest;
}

/** The lines of a top-level section, without its key (a signal may share a node's name). */
function linesOfSection(text: string, key: string): string[] {
  const all = lines(text);
  if (!all.includes(`${key}:`)) return [];
  const start = all.indexOf(`${key}:`) + 1;
  const end = all.findIndex((l, i) => i >= start && /^\S/.test(l));
  return all.slice(start, end === -1 ? undefined : end);
}

/** Every other line byte for byte as it was, in the same order. */
function expectLineChange(before: string, after: string, change: { removed?: string[]; added?: string[] }): void {
  expect(withoutLines(lines(after), change.added ?? [])).toEqual(withoutLines(lines(before), change.removed ?? []));
}

function app(text: string): AppDocument {
  return parse(text) as AppDocument;
}

describe("adding nodes", () => {
  it("appends a node line, its edge and its position to oven-watch", () => {
    const node = { id: "fahrenheit", block: "dengta.flow.map@1", config: { expression: "$ * 1.8 + 32" }, position: [440, 320] as [number, number] };
    const after = edited(oven, addNodesEdit(oven, [node], [edge("oven.out -> fahrenheit.in")]));
    expectLineChange(oven, after, { added: [
      "  fahrenheit: { block: dengta.flow.map@1, config: { expression: $ * 1.8 + 32 } }",
      "  - oven.out -> fahrenheit.in",
      "  fahrenheit: [440, 320]",
    ] });
    expect(after.indexOf("fahrenheit: {")).toBeLessThan(after.indexOf("edges:"));
    expect(diagnostics(after)).toEqual([]);
  });

  for (const sample of samples) {
    it(`adds a connected node to ${sample.name}, which stays valid`, () => {
      const from = app(sample.text).edges![0]!.split(" -> ")[0]!;
      const id = uniqueNodeId(sample.text, "dengta.flow.map");
      const after = edited(sample.text, addNodesEdit(sample.text, [{ id, block: "dengta.flow.map@1", config: { expression: "$" }, position: [10, 20] }], [edge(`${from} -> ${id}.in`)]));
      const expected = app(sample.text);
      expected.nodes[id] = { block: "dengta.flow.map@1", config: { expression: "$" } };
      expected.edges!.push(`${from} -> ${id}.in`);
      expected.layout = { ...expected.layout, [id]: [10, 20] };
      expect(app(after)).toEqual(expected);
      expect(withoutLines(lines(after), [])).toEqual(expect.arrayContaining(lines(sample.text)));
      expect(diagnostics(after)).toEqual([]);
    });
  }

  it("writes config values in flow style, quoted only where YAML needs it, Chinese as it is", () => {
    const config = {
      title: "温度：超限 #1", plain: "abc", number: "12", bool: "true", comma: "a, b", colon: "a: b", quote: `say "hi"`,
      empty: "", nested: { "1": "running", list: [1, "two", { three: 3 }], none: null }, ratio: 0.5,
    };
    const after = edited(oven, addNodesEdit(oven, [{ id: "odd", block: "dengta.flow.map@1", config }]));
    const added = lines(after).find((l) => l.startsWith("  odd: "))!;
    expect(added).toContain("plain: abc");
    expect(added).toContain(`title: "温度：超限 #1"`);
    expect(added).toContain("list: [1, two, { three: 3 }]");
    expect(app(after).nodes.odd).toEqual({ block: "dengta.flow.map@1", config });
    expectLineChange(oven, after, { added: [added] });
  });

  it("adds several nodes and edges at once, each section one insert", () => {
    const edits = addNodesEdit(oven, [
      { id: "a", block: "dengta.flow.map@1", config: { expression: "$" }, position: [1, 2] },
      { id: "b", block: "dengta.flow.map@1", config: { expression: "$" }, position: [3, 4] },
    ], [edge("oven.out -> a.in"), edge("a.out -> b.in"), edge("oven.out -> a.in")]);
    expect(edits).toHaveLength(3);
    const after = edited(oven, edits);
    expectLineChange(oven, after, { added: [
      "  a: { block: dengta.flow.map@1, config: { expression: $ } }", "  b: { block: dengta.flow.map@1, config: { expression: $ } }",
      "  - oven.out -> a.in", "  - a.out -> b.in", "  a: [1, 2]", "  b: [3, 4]",
    ] });
    expect(diagnostics(after)).toEqual([]);
  });

  it("creates nodes, edges and layout in canonical order in a file that has none", () => {
    const after = edited(minimal, addNodesEdit(minimal, [
      { id: "tick", block: "dengta.time.timer@1", position: [0, 0] },
      { id: "log", block: "dengta.store.file@1", config: { file: "out.jsonl" }, position: [200, 0] },
    ], [edge("tick.out -> log.in")]));
    expect(after).toBe(`${minimal}nodes:
  tick: { block: dengta.time.timer@1 }
  log: { block: dengta.store.file@1, config: { file: out.jsonl } }
edges:
  - tick.out -> log.in
layout:
  tick: [0, 0]
  log: [200, 0]
`);
    expect(diagnostics(after)).toEqual([]);
  });

  it("creates edges between nodes and layout, above the comment that introduces layout", () => {
    const text = `${minimal}nodes:\n  tick: { block: dengta.time.timer@1 }\n# positions\nlayout:\n  tick: [0, 0]\n`;
    const after = edited(text, addNodesEdit(text, [{ id: "log", block: "dengta.store.file@1", config: { file: "x" } }], [edge("tick.out -> log.in")]));
    expect(after).toBe(`${minimal}nodes:\n  tick: { block: dengta.time.timer@1 }\n  log: { block: dengta.store.file@1, config: { file: x } }\nedges:\n  - tick.out -> log.in\n# positions\nlayout:\n  tick: [0, 0]\n`);
    expect(diagnostics(after)).toEqual([]);
  });

  it("fills empty sections instead of adding second ones", () => {
    for (const empty of [`${minimal}nodes: {}\nedges: []\nlayout: {}\n`, `${minimal}nodes:\nedges:\nlayout:\n`]) {
      const after = edited(empty, addNodesEdit(empty, [
        { id: "tick", block: "dengta.time.timer@1", position: [0, 0] },
        { id: "log", block: "dengta.store.file@1", config: { file: "out.jsonl" }, position: [5, 5] },
      ], [edge("tick.out -> log.in")]));
      expect(after).toBe(`${minimal}nodes:\n  tick: { block: dengta.time.timer@1 }\n  log: { block: dengta.store.file@1, config: { file: out.jsonl } }\nedges:\n  - tick.out -> log.in\nlayout:\n  tick: [0, 0]\n  log: [5, 5]\n`);
    }
  });

  it("adds after a block-style node, keeping every comment", () => {
    const after = edited(crafted, addNodesEdit(crafted, [{ id: "map", block: "dengta.flow.map@1", config: { expression: "$" }, position: [600, 0] }], [edge("double.out -> map.in")]));
    expectLineChange(crafted, after, { added: ["  map: { block: dengta.flow.map@1, config: { expression: $ } }", "  - double.out -> map.in", "  map: [600, 0]"] });
    expect(lines(after).indexOf("  map: { block: dengta.flow.map@1, config: { expression: $ } }")).toBe(lines(after).indexOf("# wiring") - 1);
    expect(diagnostics(after)).toEqual([]);
  });

  it("adds to flow-style sections on their own lines", () => {
    const after = edited(flowStyle, addNodesEdit(flowStyle, [{ id: "log3", block: "dengta.store.file@1", config: { file: "c" }, position: [1, 1] }], [edge("tick.out -> log3.in")]));
    expect(lines(after)).toHaveLength(lines(flowStyle).length);
    expect(app(after).nodes.log3).toEqual({ block: "dengta.store.file@1", config: { file: "c" } });
    expect(app(after).edges).toEqual(["tick.out -> log.in", "tick.out -> log2.in", "tick.out -> log3.in"]);
    expect(app(after).layout!.log3).toEqual([1, 1]);
    expect(diagnostics(after)).toEqual([]);
  });

  it("keeps CRLF line ends, and a file without a final line break gets its lines whole", () => {
    const node = { id: "map", block: "dengta.flow.map@1", config: { expression: "$" }, position: [1, 2] as [number, number] };
    const lf = edited(oven, addNodesEdit(oven, [node], [edge("oven.out -> map.in")]));
    expect(edited(crlf(oven), addNodesEdit(crlf(oven), [node], [edge("oven.out -> map.in")]))).toBe(crlf(lf));
    const unended = oven.slice(0, -1);
    expect(edited(unended, addNodesEdit(unended, [node], [edge("oven.out -> map.in")]))).toBe(lf);
  });

  it("refuses an id that is taken: the caller asks uniqueNodeId first", () => {
    expect(() => addNodesEdit(oven, [{ id: "oven", block: "dengta.flow.map@1" }])).toThrow(/exists already/);
  });
});

describe("a new node's id", () => {
  it("is the block's last name, camelCase, numbered past the ids in use", () => {
    expect(uniqueNodeId(oven, "dengta.flow.map")).toBe("map");
    expect(uniqueNodeId(oven, "dengta.transform.counter-delta")).toBe("counterDelta");
    expect(uniqueNodeId(oven, "dengta.logic.threshold@1")).toBe("threshold");
    expect(uniqueNodeId(oven, "dengta.store.file")).toBe("file");
    const withMaps = edited(oven, addNodesEdit(oven, [{ id: "map", block: "dengta.flow.map@1" }, { id: "map2", block: "dengta.flow.map@1" }]));
    expect(uniqueNodeId(withMaps, "dengta.flow.map")).toBe("map3");
    expect(uniqueNodeId(app(oven), "dengta.time.timer", ["timer", "timer2"])).toBe("timer3");
    expect(uniqueNodeId({ nodes: { limit: { block: "x@1" } } }, "dengta.logic.limit")).toBe("limit2");
    expect(uniqueNodeId("", "acme.9lives")).toBe("node9lives");
  });
});

describe("deleting nodes and edges", () => {
  it("removes a node's line, every edge touching it and its position", () => {
    const after = edited(oven, deleteElementsEdit(oven, ["alarms"], []));
    expectLineChange(oven, after, { removed: [
      "  alarms: { block: dengta.store.file@1, config: { file: alarms.jsonl } }", "  - limit.alarm -> alarms.in", "  alarms: [640, 60]",
    ] });
    expect(diagnostics(after)).toEqual([]);
  });

  it("removes all lines of a block-style node, the comment inside it too, and leaves other comments", () => {
    const after = edited(oven, deleteElementsEdit(oven, ["oven"], []));
    expectLineChange(oven, after, { removed: [
      "  oven:", "    block: dengta.flow.map@1", "    # heats from 60 °C towards 85 °C; every 15th tick the door opens and it drops back",
      `    config: { expression: "$round(60 + 25 * (1 - $power(0.85, $ % 15)), 1)" }`,
      "  - tick.out -> oven.in", "  - oven.out -> limit.in", "  - oven.out -> readings.in", "  oven: [240, 120]",
    ] });
    // Deleting a box its successors need leaves them unconnected: that is for the user to fix, not a broken file.
    expect(validateApp({ file: FILE, text: after }, { registry }).diagnostics.map((d) => d.code)).toEqual(["required-input-unconnected", "required-input-unconnected"]);
  });

  it("keeps the comment above a removed node and on other lines", () => {
    const after = edited(crafted, deleteElementsEdit(crafted, ["log"], []));
    expectLineChange(crafted, after, { removed: [
      "  log: # the sink", "    block: dengta.store.file@1", "    config: { file: out.jsonl }", "  - double.out -> log.in", "  log: [400, 0]",
    ] });
    expect(diagnostics(after)).toEqual([]);
  });

  it("removes comment lines indented under a removed node's last line: they are inside it", () => {
    const text = crafted.replace("    config: { file: out.jsonl }\n", "    config: { file: out.jsonl }\n    # about the sink\n");
    const after = edited(text, deleteElementsEdit(text, ["log"], []));
    expect(after).toBe(edited(crafted, deleteElementsEdit(crafted, ["log"], [])));
  });

  it("removes a given edge, and an edge named twice only once", () => {
    const text = edited(oven, addNodesEdit(oven, [], [edge("tick.out -> readings.in")]));
    const after = edited(text, deleteElementsEdit(text, [], [edge("tick.out -> readings.in"), edge("tick.out -> readings.in")]));
    expect(after).toBe(oven);
  });

  it("leaves `edges: []`, `layout: {}` and `nodes: {}` when a section loses every entry, which still validates", () => {
    const everything = Object.keys(app(crafted).nodes);
    const after = edited(crafted, deleteElementsEdit(crafted, everything, []));
    expect(app(after)).toMatchObject({ nodes: {}, edges: [], layout: {} });
    expect(after).toContain("\nnodes: {}\n");
    expect(after).toContain("\nedges: []\n");
    expect(after).toContain("\nlayout: {}\n");
    for (const comment of ["# header comment", "# the nodes", "  # the timer drives everything", "  # doubles it", "  # then", "# positions", "# the end"]) {
      expect(lines(after)).toContain(comment);
    }
    expect(diagnostics(after)).toEqual([]);
    const edgesOnly = edited(crafted, deleteElementsEdit(crafted, [], app(crafted).edges!.map(edge)));
    expect(app(edgesOnly).edges).toEqual([]);
  });

  it("removes first, middle, adjacent and last items of flow-style sections", () => {
    const cases: Array<[string[], EdgeRef[]]> = [[["tick"], []], [["log"], []], [["log2"], []], [["log", "log2"], []], [[], [edge("tick.out -> log.in")]], [["tick", "log"], []]];
    for (const [nodes, edges] of cases) {
      const after = edited(flowStyle, deleteElementsEdit(flowStyle, nodes, edges));
      const expected = app(flowStyle);
      for (const id of nodes) {
        delete expected.nodes[id];
        delete expected.layout![id];
      }
      expected.edges = expected.edges!.filter((e) => !nodes.some((id) => e.includes(`${id}.`)) && !edges.some((r) => formatEdge(r) === e));
      expect(app(after)).toEqual(expected);
      expect(lines(after)).toHaveLength(lines(flowStyle).length);
    }
    const all = edited(flowStyle, deleteElementsEdit(flowStyle, ["tick", "log", "log2"], []));
    expect(all).toContain("nodes: {}\nedges: []\nlayout: {}\n");
  });

  for (const sample of samples) {
    it(`deletes each sink of ${sample.name} and the APP stays valid`, () => {
      const doc = app(sample.text);
      const sinks = Object.keys(doc.nodes).filter((id) => !doc.edges!.some((e) => e.startsWith(`${id}.`)));
      for (const id of sinks) {
        const after = edited(sample.text, deleteElementsEdit(sample.text, [id], []));
        const expected = app(sample.text);
        delete expected.nodes[id];
        expected.edges = doc.edges!.filter((e) => parseEdgeNodes(e).every((n) => n !== id));
        if (expected.layout) delete expected.layout[id];
        expect(app(after)).toEqual(expected);
        const removed = [...linesOfSection(sample.text, "nodes"), ...linesOfSection(sample.text, "layout")].filter((l) => l.startsWith(`  ${id}:`))
          .concat(linesOfSection(sample.text, "edges").filter((l) => parseEdgeNodes(l.replace(/^ {2}- /, "")).includes(id)));
        expectLineChange(sample.text, after, { removed });
        expect(diagnostics(after)).toEqual([]);
      }
    });
  }

  it("keeps CRLF", () => {
    expect(edited(crlf(oven), deleteElementsEdit(crlf(oven), ["oven"], []))).toBe(crlf(edited(oven, deleteElementsEdit(oven, ["oven"], []))));
  });
});

function parseEdgeNodes(text: string): string[] {
  const m = /^(\w+)\.\w+ -> (\w+)\.\w+$/.exec(text.trim());
  return m ? [m[1]!, m[2]!] : [];
}

describe("connecting", () => {
  it("appends the edge as one line, and nothing when it is there already", () => {
    const after = edited(oven, connectEdit(oven, edge("tick.out -> readings.in")));
    expectLineChange(oven, after, { added: ["  - tick.out -> readings.in"] });
    expect(lines(after).indexOf("  - tick.out -> readings.in")).toBe(lines(after).indexOf("layout:") - 1);
    expect(diagnostics(after)).toEqual([]);
    expect(connectEdit(oven, edge("tick.out -> oven.in"))).toEqual([]);
  });

  it("creates, fills or extends edges in every style", () => {
    const noEdges = `${minimal}nodes:\n  tick: { block: dengta.time.timer@1 }\n  log: { block: dengta.store.file@1, config: { file: x } }\nlayout: { tick: [0, 0] }\n`;
    expect(edited(noEdges, connectEdit(noEdges, edge("tick.out -> log.in")))).toBe(noEdges.replace("layout:", "edges:\n  - tick.out -> log.in\nlayout:"));
    const empty = noEdges.replace("layout:", "edges: [] # none yet\nlayout:");
    expect(edited(empty, connectEdit(empty, edge("tick.out -> log.in")))).toBe(noEdges.replace("layout:", "edges:\n  - tick.out -> log.in # none yet\nlayout:"));
    const after = edited(flowStyle, connectEdit(flowStyle, edge("tick.out -> log.in")));
    expect(after).toBe(flowStyle);
    const withCrafted = edited(crafted, connectEdit(crafted, edge("tick.out -> log.in")));
    expectLineChange(crafted, withCrafted, { added: ["  - tick.out -> log.in"] });
    expect(diagnostics(withCrafted)).toEqual([]);
  });
});

describe("setting a node's config", () => {
  it("rewrites only the config part of a flow-style node line", () => {
    const after = edited(oven, setConfigEdit(oven, "tick", { intervalMs: 500, count: 30 }));
    expectLineChange(oven, after, {
      removed: ["  tick: { block: dengta.time.timer@1, config: { intervalMs: 200, count: 30 } }"],
      added: ["  tick: { block: dengta.time.timer@1, config: { intervalMs: 500, count: 30 } }"],
    });
    expect(diagnostics(after)).toEqual([]);
  });

  it("rewrites the config line of a block-style node and keeps the comment above it", () => {
    const after = edited(oven, setConfigEdit(oven, "oven", { expression: "$ + 1", timeoutMs: 100 }));
    expectLineChange(oven, after, {
      removed: [`    config: { expression: "$round(60 + 25 * (1 - $power(0.85, $ % 15)), 1)" }`],
      added: ["    config: { expression: $ + 1, timeoutMs: 100 }"],
    });
    expect(diagnostics(after)).toEqual([]);
  });

  it("adds config to a node without one, and removes it when it becomes empty", () => {
    const text = edited(oven, setConfigEdit(oven, "tick", {}));
    expectLineChange(oven, text, {
      removed: ["  tick: { block: dengta.time.timer@1, config: { intervalMs: 200, count: 30 } }"],
      added: ["  tick: { block: dengta.time.timer@1 }"],
    });
    expect(diagnostics(text)).toEqual([]);
    expect(edited(text, setConfigEdit(text, "tick", { intervalMs: 200, count: 30 }))).toBe(oven);
    expect(setConfigEdit(text, "tick", {})).toEqual([]);
  });

  it("keeps a config written one key per line so, and puts a new config before queue", () => {
    const after = edited(crafted, setConfigEdit(crafted, "tick", { intervalMs: 250, count: 3, startDelayMs: 10 }));
    expectLineChange(crafted, after, {
      removed: ["      intervalMs: 100 # fast"],
      added: ["      intervalMs: 250", "      startDelayMs: 10"],
    });
    expect(diagnostics(after)).toEqual([]);
    const noConfig = edited(crafted, setConfigEdit(crafted, "double", {}));
    expectLineChange(crafted, noConfig, { removed: [`    config: { expression: "$ * 2" }`] });
    expect(lines(noConfig)).toContain("    # multiply");
    const back = edited(noConfig, setConfigEdit(noConfig, "double", { expression: "$ * 3" }));
    expect(lines(back).indexOf("    config: { expression: $ * 3 }")).toBe(lines(back).indexOf("    queue: { size: 10, overflow: drop-oldest }") - 1);
    expect(diagnostics(back)).toEqual([]);
  });

  it("handles flow-style nodes inside a flow-style nodes map, Chinese text and CRLF", () => {
    const after = edited(flowStyle, setConfigEdit(flowStyle, "log", { file: "温度/记录.jsonl", format: "csv" }));
    expect(app(after).nodes.log!.config).toEqual({ file: "温度/记录.jsonl", format: "csv" });
    expect(lines(after)).toHaveLength(lines(flowStyle).length);
    expect(diagnostics(after)).toEqual([]);
    const withoutConfig = edited(flowStyle, setConfigEdit(flowStyle, "tick", {}));
    expect(app(withoutConfig).nodes.tick).toEqual({ block: "dengta.time.timer@1" });
    expect(edited(crlf(oven), setConfigEdit(crlf(oven), "oven", { expression: "中文" }))).toBe(crlf(edited(oven, setConfigEdit(oven, "oven", { expression: "中文" }))));
  });

  it("changes nothing for a node that is not there", () => {
    expect(setConfigEdit(oven, "nobody", { a: 1 })).toEqual([]);
  });
});

describe("moving several nodes", () => {
  it("replaces positions in place and adds all missing ones in one insert", () => {
    const text = oven.replace("  limit: [440, 60]\n", "").replace("  alarms: [640, 60]\n", "");
    const edits = moveNodesEdit(text, { tick: [1, 1], limit: [2, 2], alarms: [3, 3], oven: [4, 4] });
    expect(edits).toHaveLength(3);
    const after = edited(text, edits);
    expect(after.slice(after.indexOf("layout:"))).toBe("layout:\n  tick: [1, 1]\n  oven: [4, 4]\n  readings: [440, 200]\n  limit: [2, 2]\n  alarms: [3, 3]\n");
    expectLineChange(text, after, { removed: ["  tick: [40, 120]", "  oven: [240, 120]"], added: ["  tick: [1, 1]", "  oven: [4, 4]", "  limit: [2, 2]", "  alarms: [3, 3]"] });
  });

  it("creates layout once for many nodes, in flow layouts too", () => {
    const after = edited(minimal, moveNodesEdit(minimal, { a: [1, 2], b: [3, 4] }));
    expect(after).toBe(`${minimal}layout:\n  a: [1, 2]\n  b: [3, 4]\n`);
    const flow = edited(flowStyle, moveNodesEdit(flowStyle, { log: [9, 9], other: [7, 7], more: [8, 8] }));
    expect(lines(flow).at(-2)).toBe("layout: { tick: [0, 0], log: [9, 9], log2: [200, 100], other: [7, 7], more: [8, 8] }");
    expect(edited(crlf(oven), moveNodesEdit(crlf(oven), { tick: [0, 0], x: [1, 1] }))).toBe(crlf(edited(oven, moveNodesEdit(oven, { tick: [0, 0], x: [1, 1] }))));
  });
});

// --- properties -------------------------------------------------------------------------------

type Step =
  | { op: "add"; timer: boolean; from: number; text: string; x: number; y: number }
  | { op: "connect"; from: number; to: number }
  | { op: "move"; node: number; x: number; y: number }
  | { op: "setConfig"; node: number; text: string; interval: number }
  | { op: "delete"; node: number }
  | { op: "disconnect"; edge: number };

const coordinate = fc.integer({ min: -5000, max: 5000 });
const words = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ unit: "binary", minLength: 1, maxLength: 8 }), fc.constantFrom("温度 > 80", "a, b", "x: y", "#no", "'q'", "\"q\"", "$ > 0.5", "true", "12", "- x", "{ a }", "中文：说明"));
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant("add" as const), timer: fc.boolean(), from: fc.nat(), text: words, x: coordinate, y: coordinate }),
  fc.record({ op: fc.constant("connect" as const), from: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant("move" as const), node: fc.nat(), x: coordinate, y: coordinate }),
  fc.record({ op: fc.constant("setConfig" as const), node: fc.nat(), text: words, interval: fc.integer({ min: 0, max: 5000 }) }),
  fc.record({ op: fc.constant("delete" as const), node: fc.nat() }),
  fc.record({ op: fc.constant("disconnect" as const), edge: fc.nat() }),
);

const blockOf = (model: AppDocument, id: string) => {
  const { id: blockId, major } = parseBlockRef(model.nodes[id]!.block);
  return registry.find(blockId, major)!;
};
const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);

/** Can `to` reach `from` along edges? Then `from -> to` would close a cycle. */
function reaches(model: AppDocument, from: string, to: string): boolean {
  const seen = new Set<string>();
  const next = [from];
  while (next.length > 0) {
    const id = next.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of model.edges ?? []) if (parseEdgeNodes(e)[0] === id) next.push(parseEdgeNodes(e)[1]!);
  }
  return false;
}

/** Runs one step on the text and on the parsed model alike, choosing only steps that keep the APP valid. */
function run(text: string, model: AppDocument, s: Step): { text: string; touched: string[]; deleted?: string } {
  const ids = Object.keys(model.nodes);
  const withOutput = ids.filter((id) => Object.keys(blockOf(model, id).manifest.outputs).length > 0);
  const maps = ids.filter((id) => model.nodes[id]!.block === "dengta.flow.map@1");
  const output = (id: string) => Object.keys(blockOf(model, id).manifest.outputs)[0]!;
  switch (s.op) {
    case "add": {
      const source = pick(withOutput, s.from);
      const timer = s.timer || source === undefined;
      const id = uniqueNodeId(text, timer ? "dengta.time.timer" : "dengta.flow.map");
      const config = timer ? { intervalMs: 100 } : { expression: s.text };
      const block = timer ? "dengta.time.timer@1" : "dengta.flow.map@1";
      const edges = timer ? [] : [edge(`${source}.${output(source!)} -> ${id}.in`)];
      model.nodes[id] = { block, config };
      model.edges = [...(model.edges ?? []), ...edges.map(formatEdge)];
      model.layout = { ...model.layout, [id]: [s.x, s.y] };
      return { text: edited(text, addNodesEdit(text, [{ id, block, config, position: [s.x, s.y] }], edges)), touched: [id] };
    }
    case "connect": {
      const from = pick(withOutput, s.from);
      const to = pick(maps, s.to);
      if (from === undefined || to === undefined || reaches(model, to, from)) return { text, touched: [] };
      const line = `${from}.${output(from)} -> ${to}.in`;
      if (!(model.edges ?? []).includes(line)) model.edges = [...(model.edges ?? []), line];
      return { text: edited(text, connectEdit(text, edge(line))), touched: [] };
    }
    case "move": {
      const id = pick(ids, s.node)!;
      model.layout = { ...model.layout, [id]: [s.x, s.y] };
      return { text: edited(text, moveNodesEdit(text, { [id]: [s.x, s.y] })), touched: [id] };
    }
    case "setConfig": {
      const id = pick(ids, s.node)!;
      const node = model.nodes[id]!;
      const config = node.block === "dengta.flow.map@1" ? { expression: s.text }
        : node.block === "dengta.time.timer@1" ? (s.interval === 0 ? {} : { intervalMs: s.interval })
        : { ...node.config };
      if (Object.keys(config).length === 0) delete node.config;
      else node.config = config;
      return { text: edited(text, setConfigEdit(text, id, config)), touched: [id] };
    }
    case "delete": {
      // A node nothing depends on: deleting it cannot leave a required input unconnected.
      const leaves = ids.filter((id) => !(model.edges ?? []).some((e) => parseEdgeNodes(e)[0] === id));
      const id = pick(leaves, s.node);
      if (id === undefined || ids.length === 1) return { text, touched: [] };
      delete model.nodes[id];
      if (model.layout) delete model.layout[id];
      if (model.edges) model.edges = model.edges.filter((e) => !parseEdgeNodes(e).includes(id));
      return { text: edited(text, deleteElementsEdit(text, [id], [])), touched: [id], deleted: id };
    }
    case "disconnect": {
      // An edge whose input has another edge, so that it stays connected.
      const spare = (model.edges ?? []).filter((e) => model.edges!.filter((o) => o.split(" -> ")[1] === e.split(" -> ")[1]).length > 1);
      const line = pick(spare, s.edge);
      if (line === undefined) return { text, touched: [] };
      model.edges = model.edges!.filter((e) => e !== line);
      return { text: edited(text, deleteElementsEdit(text, [], [edge(line)])), touched: parseEdgeNodes(line) };
    }
  }
}

/** Comment lines, but not those inside the entry of a node that was deleted: they went with it. */
function survivingComments(text: string, deleted: Set<string>): string[] {
  let owner: string | undefined;
  return lines(text).filter((line) => {
    if (!line.startsWith("    ")) owner = /^ {2}(\w+):/.exec(line)?.[1];
    return line.trimStart().startsWith("#") && !(owner !== undefined && deleted.has(owner) && line.startsWith("    "));
  });
}
const isSubsequence = (part: string[], whole: string[]) => {
  let i = 0;
  for (const line of whole) if (i < part.length && line === part[i]) i++;
  return i === part.length;
};

describe("random canvas sessions", () => {
  const starts = [...samples.map((s) => s.text), crafted, flowStyle, crlf(oven), crlf(crafted)];
  it("keep the APP valid, equal to the same steps on the parsed object, comments and untouched lines as they were", () => {
    fc.assert(fc.property(fc.constantFrom(...starts), fc.array(step, { minLength: 1, maxLength: 8 }), (start, steps) => {
      let text = start;
      const model = app(start);
      const touched = new Set<string>();
      const deleted = new Set<string>();
      for (const s of steps) {
        const result = run(text, model, s);
        text = result.text;
        for (const id of result.touched) touched.add(id);
        if (result.deleted) deleted.add(result.deleted);
        expect(app(text)).toEqual(model);
      }
      expect(diagnostics(text)).toEqual([]);
      expect(isSubsequence(survivingComments(start, deleted), lines(text))).toBe(true);
      if (start.includes("\r\n")) expect(text.replaceAll("\r\n", "")).not.toContain("\n");
      // Lines naming no touched node, outside nodes written over several lines, and not a section key.
      const untouched = lines(start).filter((l) => ![...touched].some((id) => new RegExp(`\\b${id}\\b`).test(l))
        && !/^ {4}/.test(l) && !/^(nodes|edges|layout):/.test(l) && !/^ {2}\w+:\s*(#.*)?\r?$/.test(l));
      expect(isSubsequence(untouched, lines(text))).toBe(true);
    }), { numRuns: 200, seed: 20_261_125 });
  });
});
