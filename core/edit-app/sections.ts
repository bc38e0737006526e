import { isMap, isScalar, parseDocument, type Node, type Pair, type YAMLMap } from "yaml";
import { lineStart, newlineOf, nextLineStart, type TextEdit } from "./text-edit.ts";
import { commentsAbove, entriesOf, entryEnd, entryStart, keyOf, pairOf } from "./yaml-places.ts";

/** A map entry written either way: `key: { … }` on one line, or the key with one line per value key under it. */
export interface EntryText {
  flow: string;
  block?: { key: string; lines: readonly string[] };
}

/** The top-level map of a YAML file with source ranges; a file that does not parse is not edited. */
export function readTopMap(text: string, kind: string): YAMLMap | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`the ${kind} does not parse: edit only files that pass the schema (${doc.errors[0]!.message})`);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return undefined;
  if (!isMap(root)) throw new Error(`the ${kind} is not a map: edit only files that pass the schema`);
  return root;
}

/** The map under a top-level key; undefined when the key is missing or empty. */
export function sectionMap(root: YAMLMap | undefined, section: string): YAMLMap | undefined {
  const pair = pairOf(root, section);
  const entries = pair ? entriesOf(pair) : undefined;
  if (entries !== undefined && !isMap(entries)) throw new Error(`'${section}' is not a map: edit only files that pass the schema`);
  return entries;
}

/** How the entries of a map are written: "block" when its last entry's value is a map written one key per line. */
export function entryStyle(map: YAMLMap | undefined): "flow" | "block" | undefined {
  const last = map?.items[map.items.length - 1] as Pair | undefined;
  if (last === undefined) return undefined;
  const value = last.value;
  return isMap(value) && !value.flow && value.items.length > 0 ? "block" : "flow";
}

/**
 * Adds an entry at the end of the top-level map `section`: after its last line in block style,
 * after its last item in flow style, filling an empty section, or creating the section before
 * the first one that follows it in the canonical `order` (comments above that one stay with it).
 */
export function addEntry(text: string, root: YAMLMap | undefined, section: string, order: readonly string[], entry: EntryText, style: "flow" | "block"): TextEdit {
  const newline = newlineOf(text);
  const pair = pairOf(root, section);
  if (pair === undefined) {
    const rank = order.indexOf(section);
    const next = root?.items.find((p) => order.indexOf(keyOf(p)) > rank);
    const offset = next ? commentsAbove(text, entryStart(next)) : text.length;
    return { offset, length: 0, text: `${section}:${newline}${render(entry, "  ", "  ", style, newline)}${newline}` };
  }
  const map = sectionMap(root, section);
  const last = map?.items[map.items.length - 1];
  if (map === undefined || last === undefined) {
    const colon = colonOf(text, pair);
    const range = (pair.value as Node | null)?.range;
    const end = range && range[1] > range[0] ? range[1] : colon + 1;
    return { offset: colon + 1, length: end - colon - 1, text: `${newline}${render(entry, "  ", "  ", style, newline)}` };
  }
  if (map.flow) return { offset: entryEnd(last), length: 0, text: `, ${entry.flow}` };
  const first = entryStart(map.items[0]!);
  const indent = text.slice(lineStart(text, first), first);
  return { offset: nextLineStart(text, entryEnd(last)), length: 0, text: `${render(entry, indent, stepOf(indent), style, newline)}${newline}` };
}

/** An entry of `map` rewritten whole, from its key to the end of its value; a comment after it on its last line stays. */
export function replaceEntry(text: string, map: YAMLMap, pair: Pair, entry: EntryText, style: "flow" | "block"): TextEdit {
  const start = entryStart(pair);
  const range = (pair.value as Node | null)?.range;
  let end = range && range[1] > range[0] ? range[1] : colonOf(text, pair) + 1;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (map.flow) return { offset: start, length: end - start, text: entry.flow };
  const indent = text.slice(lineStart(text, start), start);
  return { offset: start, length: end - start, text: render(entry, indent, stepOf(indent), style, newlineOf(text)).slice(indent.length) };
}

function render(entry: EntryText, indent: string, step: string, style: "flow" | "block", newline: string): string {
  if (style === "flow" || entry.block === undefined) return `${indent}${entry.flow}`;
  return [`${indent}${entry.block.key}:`, ...entry.block.lines.map((line) => `${indent}${step}${line}`)].join(newline);
}

/** The file indents entries of a top-level map by one step; their values go one step further. */
function stepOf(indent: string): string {
  return indent.length > 0 ? indent : "  ";
}

function colonOf(text: string, pair: Pair): number {
  return text.indexOf(":", (pair.key as Node).range![1]);
}
