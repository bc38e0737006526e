import { isMap, isScalar, parseDocument, type Node, type Pair } from "yaml";

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
 * The edit that places node `id` at (x, y), touching only its `layout` line: the position's
 * value when it has one, else a new line at the end of `layout`, else a new `layout` section.
 */
export function moveNodeEdit(text: string, id: string, position: readonly [number, number]): TextEdit {
  const doc = parseDocument(text, { keepSourceTokens: false });
  const value = `[${Math.round(position[0])}, ${Math.round(position[1])}]`;
  const root = doc.contents;
  const layoutPair = isMap(root) ? root.items.find((p) => keyOf(p) === "layout") : undefined;
  if (layoutPair === undefined) return appendSection(text, id, value);
  const layout = layoutPair.value;
  if (!isMap(layout) || layout.flow) return appendSection(text, id, value);
  const entry = layout.items.find((p) => keyOf(p) === id);
  const range = (entry?.value as Node | null)?.range;
  if (range) return { offset: range[0], length: range[1] - range[0], text: value };
  return appendEntry(text, layout.items, id, value);
}

function appendEntry(text: string, items: Pair[], id: string, value: string): TextEdit {
  const last = items[items.length - 1];
  const keyRange = (last?.key as Node | null)?.range;
  const valueRange = (last?.value as Node | null)?.range;
  if (!keyRange || !valueRange) return appendSection(text, id, value);
  const lineStart = text.lastIndexOf("\n", keyRange[0] - 1) + 1;
  const indent = text.slice(lineStart, keyRange[0]);
  const lineEnd = text.indexOf("\n", valueRange[1]);
  const offset = lineEnd < 0 ? text.length : lineEnd + 1;
  const newline = lineEnd < 0 ? "\n" : "";
  return { offset, length: 0, text: `${newline}${indent}${id}: ${value}\n` };
}

function appendSection(text: string, id: string, value: string): TextEdit {
  const newline = text.endsWith("\n") || text === "" ? "" : "\n";
  return { offset: text.length, length: 0, text: `${newline}layout:\n  ${id}: ${value}\n` };
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}
