// Moving a box on the canvas rewrites its `layout` line and nothing else.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyEdits, moveNodeEdit } from "../../core/edit-app.ts";
import { validateApp } from "../../core/validate.ts";
import { sampleFile, sampleText, SEED } from "./sample.ts";

const ids = Object.keys(parse(sampleText).nodes as object);
const coordinate = fc.integer({ min: -1_000_000, max: 1_000_000 });

function move(text: string, id: string, position: [number, number]): string {
  return applyEdits(text, [moveNodeEdit(text, id, position)]);
}

/** The lines before `layout:`, which a move must leave byte for byte as they were. */
function logicLines(text: string): string[] {
  const lines = text.split("\n");
  const layout = lines.findIndex((line) => line.startsWith("layout:"));
  return lines.slice(0, layout < 0 ? lines.length : layout);
}

function expectValidWithPosition(text: string, id: string, position: [number, number]): void {
  expect(validateApp({ file: sampleFile, text }).diagnostics).toEqual([]);
  expect(parse(text).layout[id]).toEqual(position);
}

describe("moving a node", () => {
  it("changes only layout lines, keeps the APP valid and puts the node where it was dropped", () => {
    fc.assert(fc.property(fc.constantFrom(...ids), coordinate, coordinate, (id, x, y) => {
      const moved = move(sampleText, id, [x, y]);
      expect(logicLines(moved)).toEqual(logicLines(sampleText));
      expect(moved.split("\n").length).toBe(sampleText.split("\n").length);
      expectValidWithPosition(moved, id, [x, y]);
    }), { numRuns: 300, seed: SEED });
  });

  it("moves several nodes one after another, each move on the result of the last", () => {
    const moves = fc.array(fc.tuple(fc.constantFrom(...ids), coordinate, coordinate), { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(moves, (list) => {
      const moved = list.reduce((text, [id, x, y]) => move(text, id, [x, y]), sampleText);
      expect(logicLines(moved)).toEqual(logicLines(sampleText));
      const last = new Map(list.map(([id, x, y]) => [id, [x, y]]));
      expect(validateApp({ file: sampleFile, text: moved }).diagnostics).toEqual([]);
      for (const [id, position] of last) expect(parse(moved).layout[id]).toEqual(position);
    }), { numRuns: 100, seed: SEED });
  });

  it("rounds a position between pixels to whole pixels", () => {
    const moved = move(sampleText, "oven", [10.4, -20.6]);
    expectValidWithPosition(moved, "oven", [10, -21]);
  });

  it("adds a line at the end of layout for a node that has no position yet", () => {
    const withoutOven = sampleText.replace("  oven: [240, 120]\n", "");
    const moved = move(withoutOven, "oven", [300, 80]);
    expect(moved).toBe(`${withoutOven}  oven: [300, 80]\n`);
    expectValidWithPosition(moved, "oven", [300, 80]);
  });

  it("adds a layout section to a file that has none", () => {
    const withoutLayout = withoutLayoutSection();
    const moved = move(withoutLayout, "tick", [40, 120]);
    expect(moved).toBe(`${withoutLayout}layout:\n  tick: [40, 120]\n`);
    expectValidWithPosition(moved, "tick", [40, 120]);
  });

  it("adds a layout section to a file that has none and no final newline", () => {
    const withoutLayout = withoutLayoutSection().slice(0, -1);
    const moved = move(withoutLayout, "tick", [40, 120]);
    expect(moved).toBe(`${withoutLayout}\nlayout:\n  tick: [40, 120]\n`);
    expectValidWithPosition(moved, "tick", [40, 120]);
  });

  it("adds to a layout written in flow style instead of adding a second layout section", () => {
    const flow = `${withoutLayoutSection()}layout: { tick: [40, 120] }\n`;
    const moved = move(flow, "oven", [240, 120]);
    expect(logicLines(moved)).toEqual(logicLines(flow));
    expectValidWithPosition(moved, "oven", [240, 120]);
  });

  it("fills an empty layout section instead of adding a second one", () => {
    const empty = `${withoutLayoutSection()}layout:\n`;
    const moved = move(empty, "oven", [240, 120]);
    expectValidWithPosition(moved, "oven", [240, 120]);
  });

  it("adds the line inside layout when its last entry is a block list and another section follows", () => {
    const text = withoutLayoutSection().replace("nodes:\n", "layout:\n  tick:\n    - 40\n    - 120\nnodes:\n");
    const moved = move(text, "oven", [240, 120]);
    expect(moved.slice(moved.indexOf("nodes:\n"))).toBe(text.slice(text.indexOf("nodes:\n")));
    expectValidWithPosition(moved, "oven", [240, 120]);
  });
});

function withoutLayoutSection(): string {
  return sampleText.slice(0, sampleText.indexOf("layout:\n"));
}

