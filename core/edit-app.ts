import { isMap, isScalar, parseDocument, type Node, type Pair, type YAMLMap } from "yaml";

/** A replacement of `length` characters at `offset`: the smallest change an editor applies. */
export interface TextEdit {
  offset: number;
  length: number;
  text: string;
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.offset - a.offset)) {
    result = result.slice(0, edit.offset) + edit.text + result.slice(edit.offset + edit.length);
  }
  return result;
}

/**
 * The edit that places node `id` at (x, y), touching only its `layout` entry: the position's
 * value when it has one, else a new entry in `layout`, else a new `layout` section.
 */
export function moveNodeEdit(text: string, id: string, position: readonly [number, number]): TextEdit {
  if (!position.every(Number.isFinite)) throw new RangeError(`position of '${id}' must be finite: ${position.join(", ")}`);
  const value = `[${Math.round(position[0])}, ${Math.round(position[1])}]`;
  const doc = parseDocument(text, { keepSourceTokens: false });
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const root = doc.contents;
  const layoutPair = isMap(root) ? root.items.find((p) => keyOf(p) === "layout") : undefined;
  if (layoutPair === undefined) return appendSection(text, id, value, newline);
  const layout = layoutPair.value;
  if (isMap(layout)) {
    const range = (layout.items.find((p) => keyOf(p) === id)?.value as Node | null)?.range;
    if (range) return { offset: range[0], length: range[1] - range[0], text: value };
    return layout.flow ? addToFlowMap(layout, id, value) : addToBlockMap(text, layout, id, value, newline);
  }
  return fillEmptyLayout(text, layoutPair, id, value, newline);
}

function addToFlowMap(layout: YAMLMap, id: string, value: string): TextEdit {
  const last = layout.items[layout.items.length - 1];
  const end = (last?.value as Node | null)?.range?.[1];
  if (end !== undefined) return { offset: end, length: 0, text: `, ${id}: ${value}` };
  const range = layout.range!;
  return { offset: range[0], length: range[1] - range[0], text: `{ ${id}: ${value} }` };
}

function addToBlockMap(text: string, layout: YAMLMap, id: string, value: string, newline: string): TextEdit {
  const last = layout.items[layout.items.length - 1]!;
  const keyStart = (last.key as Node).range![0];
  const indent = text.slice(text.lastIndexOf("\n", keyStart - 1) + 1, keyStart);
  const end = (last.value as Node | null)?.range?.[1] ?? (last.key as Node).range![1];
  // A block collection's range already ends after its last line break.
  if (text[end - 1] === "\n") return { offset: end, length: 0, text: `${indent}${id}: ${value}${newline}` };
  const lineEnd = text.indexOf("\n", end);
  if (lineEnd < 0) return { offset: text.length, length: 0, text: `${newline}${indent}${id}: ${value}${newline}` };
  return { offset: lineEnd + 1, length: 0, text: `${indent}${id}: ${value}${newline}` };
}

/** `layout:` with nothing (or null) after it: the entry goes on the next line. */
function fillEmptyLayout(text: string, pair: Pair, id: string, value: string, newline: string): TextEdit {
  const valueRange = (pair.value as Node | null)?.range;
  if (valueRange && valueRange[1] > valueRange[0]) {
    return { offset: valueRange[0], length: valueRange[1] - valueRange[0], text: `${newline}  ${id}: ${value}` };
  }
  const keyEnd = (pair.key as Node).range![1];
  const colon = text.indexOf(":", keyEnd);
  return { offset: colon + 1, length: 0, text: `${newline}  ${id}: ${value}` };
}

function appendSection(text: string, id: string, value: string, newline: string): TextEdit {
  const separator = text.endsWith("\n") || text === "" ? "" : newline;
  return { offset: text.length, length: 0, text: `${separator}layout:${newline}  ${id}: ${value}${newline}` };
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}
