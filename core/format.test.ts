import { describe, expect, it } from "vitest";
import { formatText } from "./format.ts";

const scrambled = `# Line 3 packing station / 三号线包装工位
layout:
  b: [ 200, 40 ]
  a: [0, 40]
edges:
  - a.out -> b.in
nodes:
  # the clock comes first
  a: { config: { intervalMs: 500 }, block: dengta.time.timer@1 }
  b:
    config: { file: out.jsonl }   # keep this comment
    block: dengta.store.file@1
app:
  title: { zh-CN: 包装, en: Packing }
  version: 1.0.0
  id: packing
dengta: 1
`;

const canonical = `# Line 3 packing station / 三号线包装工位
dengta: 1
app:
  id: packing
  version: 1.0.0
  title: { en: Packing, zh-CN: 包装 }
nodes:
  # the clock comes first
  a: { block: dengta.time.timer@1, config: { intervalMs: 500 } }
  b:
    block: dengta.store.file@1
    config: { file: out.jsonl } # keep this comment
edges:
  - a.out -> b.in
layout:
  a: [0, 40]
  b: [200, 40]
`;

describe("dengta fmt", () => {
  it("writes the canonical key order, keeps comments, nodes in the user's order, layout in node order", () => {
    expect(formatText("app", "packing.iapp.yaml", scrambled)).toEqual({ text: canonical });
  });

  it("leaves a canonical file exactly as it is", () => {
    expect(formatText("app", "packing.iapp.yaml", canonical)).toEqual({ text: canonical });
  });

  it("orders a binding's keys", () => {
    const binding = "signals:\n  s: { nodeId: \"ns=2;s=A\", endpoint: plc }\napp: packing@^1\ndengta: 1\n";
    expect(formatText("binding", "site.binding.yaml", binding)).toEqual({
      text: "dengta: 1\napp: packing@^1\nsignals:\n  s: { endpoint: plc, nodeId: \"ns=2;s=A\" }\n",
    });
  });

  it("reports instead of formatting a file it cannot parse", () => {
    const result = formatText("app", "bad.iapp.yaml", "nodes: [\n");
    expect("diagnostics" in result && result.diagnostics[0]!.code).toBe("yaml-syntax");
  });
});
