import { isMap, type YAMLMap } from "yaml";
import { asWholeLines, type TextEdit } from "./text-edit.ts";
import { appendEntries, pairOf, readApp, replaceValue } from "./yaml-places.ts";

export type Position = readonly [number, number];

/**
 * The edits that place nodes on the canvas, touching only their `layout` entries: each value
 * replaced where there is one, all new entries in one insert (several inserts at one offset
 * would land in an order the editor picks), a new `layout` section if there is none.
 */
export function moveNodesEdit(text: string, positions: Readonly<Record<string, Position>>): TextEdit[] {
  return asWholeLines(text, (whole) => layoutEdits(whole, readApp(whole), positions));
}

/** One node: the edit `moveNodesEdit` makes for it alone. */
export function moveNodeEdit(text: string, id: string, position: Position): TextEdit {
  return moveNodesEdit(text, { [id]: position })[0]!;
}

export function layoutEdits(text: string, root: YAMLMap | undefined, positions: Readonly<Record<string, Position>>): TextEdit[] {
  const layout = pairOf(root, "layout")?.value;
  const edits: TextEdit[] = [];
  const added: string[] = [];
  for (const [id, position] of Object.entries(positions)) {
    const pair = isMap(layout) ? pairOf(layout, id) : undefined;
    if (pair) edits.push(replaceValue(text, pair, positionText(id, position)));
    else added.push(`${id}: ${positionText(id, position)}`);
  }
  return added.length > 0 ? [...edits, appendEntries(text, root, "layout", added)] : edits;
}

function positionText(id: string, position: Position): string {
  if (!position.every(Number.isFinite)) throw new RangeError(`position of '${id}' must be finite: ${position.join(", ")}`);
  return `[${Math.round(position[0])}, ${Math.round(position[1])}]`;
}
