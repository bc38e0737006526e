import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyEdits } from "../../core/edit-app.ts";
import { builtinRegistry } from "../../core/registry.ts";
import { validateApp } from "../../core/validate.ts";
import { canvasEdits } from "./canvas-edits.ts";

const file = join(import.meta.dirname, "../../samples/oven-watch/oven-watch.iapp.yaml");
const text = readFileSync(file, "utf8");
const registry = builtinRegistry().registry;

function edited(message: Parameters<typeof canvasEdits>[1]): string {
  const result = canvasEdits(text, message, registry);
  if ("refused" in result) throw new Error(result.refused.en);
  return applyEdits(text, result.edits);
}

describe("canvasEdits", () => {
  it("pastes two connected nodes under fresh ids, rewiring the edge between them", () => {
    const after = edited({
      type: "addNodes", version: 1,
      nodes: [
        { block: "dengta.time.timer@1", config: { intervalMs: 500 }, position: [10, 20], copiedId: "a" },
        { block: "dengta.store.file@1", config: { file: "copy.jsonl" }, position: [200, 20], copiedId: "b" },
      ],
      edges: [{ from: { node: "a", port: "out" }, to: { node: "b", port: "in" } }, { from: { node: "a", port: "out" }, to: { node: "elsewhere", port: "in" } }],
    });
    expect(after).toContain("  timer: { block: dengta.time.timer@1, config: { intervalMs: 500 } }");
    expect(after).toMatch(/ {2}- timer\.out -> file\d*\.in/);
    expect(after).not.toContain("elsewhere");
    expect(validateApp({ file, text: after }).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("refuses an edge between incompatible ports with the reason in both languages", () => {
    const result = canvasEdits(text, { type: "connect", version: 1, edge: { from: { node: "oven", port: "out" }, to: { node: "nope", port: "in" } } }, registry);
    expect(result).toEqual({ refused: { en: expect.stringContaining("no port"), "zh-CN": expect.stringContaining("不存在") } });
  });
});
