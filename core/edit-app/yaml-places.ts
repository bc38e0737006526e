import { isMap, isPair, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap, type YAMLSeq } from "yaml";
import { lineStart, newlineOf, nextLineStart, type TextEdit } from "./text-edit.ts";

/** Top-level keys in the canonical order core/format.ts writes them. */
const SECTION_ORDER = ["dengta", "app", "parameters", "signals", "nodes", "edges", "layout"];

export type Section = "nodes" | "edges" | "layout";
type Entries = YAMLMap | YAMLSeq;
type Entry = Pair | Node;

/** The APP's top-level map, with source ranges into `text`. */
export function readApp(text: string): YAMLMap | undefined {
  const root = parseDocument(text, { keepSourceTokens: false }).contents;
  return isMap(root) ? root : undefined;
}

export function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

export function pairOf(map: unknown, key: string): Pair | undefined {
  return isMap(map) ? map.items.find((p) => keyOf(p) === key) : undefined;
}

/** A map or list value; undefined when it is empty (`key:` or `key: null`). */
export function entriesOf(pair: Pair): Entries | undefined {
  const value = pair.value;
  if (isMap(value) || isSeq(value)) return value;
  if (value === null || (isScalar(value) && value.value === null)) return undefined;
  throw new Error(`'${keyOf(pair)}' is neither a map nor a list: edit only APPs that pass the schema`);
}

/**
 * Adds entries (`id: value` lines, or edges) at the end of a section: after its last line in
 * block style, after its last item in flow style, filling an empty section, or creating it.
 */
export function appendEntries(text: string, root: YAMLMap | undefined, section: Section, entries: readonly string[]): TextEdit {
  const newline = newlineOf(text);
  const prefix = section === "edges" ? "  - " : "  ";
  const pair = pairOf(root, section);
  if (pair === undefined) return newSection(text, root, section, entries.map((e) => `${prefix}${e}${newline}`).join(""));
  const existing = entriesOf(pair);
  const last = existing?.items[existing.items.length - 1] as Entry | undefined;
  if (last === undefined) return fillSection(text, pair, entries.map((e) => `${newline}${prefix}${e}`).join(""));
  if (existing!.flow) return { offset: entryEnd(last), length: 0, text: entries.map((e) => `, ${e}`).join("") };
  const start = entryStart(last);
  const indent = text.slice(lineStart(text, start), start);
  return { offset: nextLineStart(text, entryEnd(last)), length: 0, text: entries.map((e) => `${indent}${e}${newline}`).join("") };
}

/** An empty value (`key:`, `key: []`, `key: {}`) replaced by `body`, which starts on a new line. */
function fillSection(text: string, pair: Pair, body: string): TextEdit {
  const colon = colonOf(text, pair);
  const range = (pair.value as Node | null)?.range;
  const end = range && range[1] > range[0] ? range[1] : colon + 1;
  return { offset: colon + 1, length: end - colon - 1, text: body };
}

/** A new section before the first one that follows it in canonical order, else at the end. */
function newSection(text: string, root: YAMLMap | undefined, section: Section, body: string): TextEdit {
  const rank = SECTION_ORDER.indexOf(section);
  const next = root?.items.find((p) => SECTION_ORDER.indexOf(keyOf(p)) > rank);
  const offset = next ? commentsAbove(text, entryStart(next)) : text.length;
  return { offset, length: 0, text: `${section}:${newlineOf(text)}${body}` };
}

/** Comment lines at the left margin right above a section introduce it, so they stay with it. */
export function commentsAbove(text: string, offset: number): number {
  let start = lineStart(text, offset);
  while (start > 0) {
    const previous = lineStart(text, start - 1);
    if (text[previous] !== "#") break;
    start = previous;
  }
  return start;
}

/**
 * Removes the entries `doomed` picks from the map or list under `owner`: whole lines in block
 * style (comments on other lines stay), the item and one comma in flow style. A section left
 * with nothing becomes `{}` or `[]`, which the schema accepts where `key:` (null) it does not.
 */
export function removeEntries(text: string, owner: Pair, doomed: (entry: Entry, index: number) => boolean): TextEdit[] {
  const entries = entriesOf(owner);
  if (entries === undefined) return [];
  const items = entries.items as Entry[];
  const gone = items.map(doomed);
  if (!gone.includes(true)) return [];
  const empty = isMap(entries) ? "{}" : "[]";
  if (entries.flow && gone.every(Boolean)) return [replaceRange(entries.range!, empty)];
  if (entries.flow) return removeFromFlow(items, gone);
  const lines = items.filter((_, i) => gone[i]).map((item) => wholeLines(text, item));
  if (!gone.every(Boolean)) return lines;
  return [{ offset: colonOf(text, owner) + 1, length: 0, text: ` ${empty}` }, ...lines];
}

/** Edits that never overlap: leading items up to the first kept one, then each later item with the comma before it. */
function removeFromFlow(items: Entry[], gone: boolean[]): TextEdit[] {
  const kept = gone.indexOf(false);
  const edits: TextEdit[] = [];
  if (kept > 0) edits.push(removal(entryStart(items[0]!), entryStart(items[kept]!)));
  for (let i = kept + 1; i < items.length; i++) {
    if (gone[i]) edits.push(removal(entryEnd(items[i - 1]!), entryEnd(items[i]!)));
  }
  return edits;
}

/** An entry's lines, with the comment lines right after it indented under it: they are inside it. */
export function wholeLines(text: string, entry: Entry): TextEdit {
  const start = lineStart(text, entryStart(entry));
  const indent = entryStart(entry) - start;
  let end = nextLineStart(text, entryEnd(entry));
  while (end < text.length && /^\s*#/.test(text.slice(end, nextLineStart(text, end + 1))) && text.slice(end).search(/\S/) > indent) {
    end = nextLineStart(text, end + 1);
  }
  return removal(start, end);
}

/** Adds `key: value` to a map where the canonical `order` puts it. */
export function insertPair(text: string, map: YAMLMap, key: string, value: string, order: readonly string[]): TextEdit {
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const before = (map.items as Pair[]).find((p) => rank(keyOf(p)) > rank(key));
  const last = map.items[map.items.length - 1];
  if (last === undefined) return replaceRange(map.range!, `{ ${key}: ${value} }`);
  if (map.flow && before) return { offset: entryStart(before), length: 0, text: `${key}: ${value}, ` };
  if (map.flow) return { offset: entryEnd(last), length: 0, text: `, ${key}: ${value}` };
  const first = entryStart(map.items[0]!);
  const line = `${text.slice(lineStart(text, first), first)}${key}: ${value}${newlineOf(text)}`;
  const offset = before ? lineStart(text, entryStart(before)) : nextLineStart(text, entryEnd(last));
  return { offset, length: 0, text: line };
}

/** The value of `pair` replaced by `value`; an empty value gets one after the colon. */
export function replaceValue(text: string, pair: Pair, value: string): TextEdit {
  const range = (pair.value as Node | null)?.range;
  if (range && range[1] > range[0]) return replaceRange(range, value);
  return { offset: colonOf(text, pair) + 1, length: 0, text: ` ${value}` };
}

export function entryStart(entry: Entry): number {
  return isPair(entry) ? (entry.key as Node).range![0] : entry.range![0];
}

export function entryEnd(entry: Entry): number {
  if (!isPair(entry)) return entry.range![1];
  const range = (entry.value as Node | null)?.range;
  return range && range[1] > range[0] ? range[1] : (entry.key as Node).range![1];
}

function colonOf(text: string, pair: Pair): number {
  return text.indexOf(":", (pair.key as Node).range![1]);
}

function replaceRange(range: readonly number[], text: string): TextEdit {
  return { offset: range[0]!, length: range[1]! - range[0]!, text };
}

function removal(start: number, end: number): TextEdit {
  return { offset: start, length: end - start, text: "" };
}
