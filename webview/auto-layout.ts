// Positions from elkjs's layered layout, left to right: for "Auto layout" (all blocks, posted as
// moveNodes) and for blocks the layout section does not place yet (shown there, not written).
import type elkBundled from "elkjs/lib/elk.bundled.js";
import type { EdgeView } from "./protocol.ts";
import { edgeId, type Point } from "./state.ts";

export interface BoxSize {
  id: string;
  width: number;
  height: number;
}

// Loaded and made on first use: most APPs place every block, and elk's 1.5 MB would otherwise be
// evaluated with the canvas. A CommonJS module: its constructor is both the module and its `default`.
let elk: Promise<InstanceType<typeof elkBundled.default>> | undefined;
const layoutEngine = () => (elk ??= import("elkjs/lib/elk.bundled.js").then((module) => new module.default.default()));

const LAYERED = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.spacing.nodeNode": "28",
  "elk.layered.spacing.nodeNodeBetweenLayers": "72",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.layered.crossingMinimization.semiInteractive": "true",
};

/** Top-left corner of each box, laid out as one layered graph starting at `origin`. */
export async function layeredPositions(boxes: BoxSize[], edges: EdgeView[], origin: Point = [0, 0]): Promise<Record<string, Point>> {
  if (boxes.length === 0) return {};
  const ids = new Set(boxes.map((box) => box.id));
  const graph = await (await layoutEngine()).layout({
    id: "root",
    layoutOptions: LAYERED,
    children: boxes.map(({ id, width, height }) => ({ id, width, height })),
    edges: edges
      .filter((edge) => ids.has(edge.from.node) && ids.has(edge.to.node) && edge.from.node !== edge.to.node)
      .map((edge) => ({ id: edgeId(edge), sources: [edge.from.node], targets: [edge.to.node] })),
  });
  const positions: Record<string, Point> = {};
  for (const child of graph.children ?? []) {
    positions[child.id] = [Math.round(origin[0] + (child.x ?? 0)), Math.round(origin[1] + (child.y ?? 0))];
  }
  return positions;
}

/**
 * Where to show blocks without a position: laid out among themselves, below the blocks that have
 * one, so they never cover what the user placed.
 */
export function originBelow(placed: Array<{ position: Point; height: number }>, gap = 80): Point {
  if (placed.length === 0) return [0, 0];
  const left = Math.min(...placed.map((box) => box.position[0]));
  const bottom = Math.max(...placed.map((box) => box.position[1] + box.height));
  return [left, bottom + gap];
}

/** A block's size before React Flow has measured it: a header plus one row per port. */
export function estimatedSize(inputs: number, outputs: number): { width: number; height: number } {
  return { width: 220, height: 58 + 20 * Math.max(inputs, outputs, 1) };
}

/** Automatic positions for the document's blocks that have none, laid out below the placed ones. */
export async function positionsForUnplaced(
  nodes: Array<{ id: string; position?: Point; ports: number }>, edges: EdgeView[],
): Promise<Record<string, Point>> {
  const unplaced = nodes.filter((node) => node.position === undefined);
  if (unplaced.length === 0) return {};
  const placed = nodes.flatMap((node) => node.position === undefined ? [] : [{ position: node.position, height: estimatedSize(node.ports, 0).height }]);
  const boxes = unplaced.map((node) => ({ id: node.id, ...estimatedSize(node.ports, 0) }));
  return layeredPositions(boxes, edges, originBelow(placed));
}
