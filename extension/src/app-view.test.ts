import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../core/registry.ts";
import { typeKey } from "../../webview/protocol.ts";
import { appView } from "./app-view.ts";
import { catalogOf } from "./catalog.ts";

const sample = join(import.meta.dirname, "../../samples/oee-line/oee-line.iapp.yaml");

describe("appView", () => {
  it("shows a sample's nodes, edges and no problems", () => {
    const { view } = appView(sample, readFileSync(sample, "utf8"), 7);
    expect(view.version).toBe(7);
    expect(view.nodes).toHaveLength(26);
    expect(view.nodes.find((n) => n.id === "m1Oee")).toMatchObject({ block: "dengta.kpi.oee@1", config: { machine: "M1" } });
    expect(view.edges).toContainEqual({ from: { node: "m1State", port: "out" }, to: { node: "m1Oee", port: "state" } });
    expect(view.problems).toEqual([]);
    expect(view.unreadable).toBeUndefined();
  });

  it("places a problem on its node and config field, with the position and layout kept", () => {
    const text = `dengta: 1
app: { id: a, version: 1.0.0, title: { en: A, zh-CN: 甲 } }
nodes:
  calc: { block: dengta.flow.map@1, config: { expression: "a +" } }
  tick: { block: dengta.time.timer@1, config: { intervalMs: -5 } }
edges:
  - tick.out -> calc.in
layout:
  calc: [120, 40]
`;
    const { view } = appView("a.iapp.yaml", text, 1);
    expect(view.nodes.find((n) => n.id === "calc")?.position).toEqual([120, 40]);
    const onTick = view.problems.filter((p) => p.node === "tick");
    expect(onTick[0]).toMatchObject({ severity: "error", configPath: "/intervalMs", line: 5 });
  });

  it("marks text that is not YAML as unreadable, in both languages, with its position", () => {
    const { view } = appView("a.iapp.yaml", "nodes: [\n", 2);
    expect(view.unreadable?.en).toBeTruthy();
    expect(view.unreadable?.["zh-CN"]).toBeTruthy();
    expect(view.problems[0]).toMatchObject({ severity: "error", line: expect.any(Number) });
    expect(view.nodes).toEqual([]);
  });
});

describe("catalogOf", () => {
  it("lists every block with its ports and schema, and which types connect by core's rule", () => {
    const { blocks, compatible } = catalogOf(builtinRegistry().registry);
    const map = blocks.find((b) => b.ref === "dengta.flow.map@1");
    expect(map?.expressionFields).toEqual(["expression"]);
    expect(map?.title["zh-CN"]).toBeTruthy();
    expect(blocks.find((b) => b.id === "dengta.transform.machine-state")?.outputs.out?.fields).toMatchObject({ state: "string", since: "number" });
    expect(compatible["number"]).toContain("number");
    expect(compatible["number"]).not.toContain("string");
    expect(compatible["integer"]).toContain("number");
    const inputTypes = new Set(blocks.flatMap((b) => Object.values(b.inputs).map((p) => typeKey(p.type))));
    expect(new Set(compatible["any"])).toEqual(inputTypes);
  });
});
