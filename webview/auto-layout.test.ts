import { describe, expect, it } from "vitest";
import { layeredPositions } from "./auto-layout.ts";

describe("auto layout", () => {
  it("lays a chain out left to right, loading elk on first use", async () => {
    const boxes = ["a", "b", "c"].map((id) => ({ id, width: 200, height: 80 }));
    const edge = (from: string, to: string) => ({ from: { node: from, port: "out" }, to: { node: to, port: "in" } });
    const positions = await layeredPositions(boxes, [edge("a", "b"), edge("b", "c")], [10, 20]);
    expect(positions.a![0]).toBeGreaterThanOrEqual(10);
    expect(positions.a![0]).toBeLessThan(positions.b![0]);
    expect(positions.b![0]).toBeLessThan(positions.c![0]);
  });
});
