// The valid sample APP and small random edits of it, for property tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";

export const sampleFile = fileURLToPath(new URL("../../samples/oven-watch/oven-watch.iapp.yaml", import.meta.url));
export const sampleText = readFileSync(sampleFile, "utf8");

/** Plain data, so that fast-check can shrink a failure and print it readably. Indexes wrap around. */
export type Mutation =
  | { op: "delete-line"; line: number }
  | { op: "duplicate-line"; line: number }
  | { op: "swap-lines"; line: number; other: number }
  | { op: "insert"; at: number; text: string }
  | { op: "truncate"; at: number }
  | { op: "indent"; line: number; spaces: number }
  | { op: "replace-word"; word: number; by: number };

/** Characters that mean something to YAML, so that insertions often change the structure. */
const yamlish = fc.constantFrom(":", "-", " ", "\n", "\t", "{", "}", "[", "]", ",", "#", "&a", "*a", "!", "|", ">", "'", '"', "?", "%", "@", "`", "~", "\\", "$", ".", "->", "\r", "\u00a0", "\ufeff", "灯");
const inserted = fc.oneof(fc.array(yamlish, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("")), fc.string({ unit: "binary", minLength: 1, maxLength: 4 }));

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("delete-line" as const), line: fc.nat() }),
  fc.record({ op: fc.constant("duplicate-line" as const), line: fc.nat() }),
  fc.record({ op: fc.constant("swap-lines" as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), text: inserted }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("indent" as const), line: fc.nat(), spaces: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ op: fc.constant("replace-word" as const), word: fc.nat(), by: fc.nat() }),
);

/** Names, ids, ports and numbers: swapping two keeps the YAML valid but breaks the meaning. */
const WORD = /[A-Za-z0-9][A-Za-z0-9_.@-]*/g;

export const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 });

export function mutate(text: string, m: Mutation): string {
  const lines = text.split("\n");
  const at = (n: number) => n % lines.length;
  switch (m.op) {
    case "delete-line":
      return lines.filter((_, i) => i !== at(m.line)).join("\n");
    case "duplicate-line":
      return lines.flatMap((l, i) => (i === at(m.line) ? [l, l] : [l])).join("\n");
    case "swap-lines": {
      const [a, b] = [at(m.line), at(m.other)];
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join("\n");
    }
    case "insert": {
      const offset = m.at % (text.length + 1);
      return text.slice(0, offset) + m.text + text.slice(offset);
    }
    case "truncate":
      return text.slice(0, m.at % (text.length + 1));
    case "indent":
      lines[at(m.line)] = " ".repeat(m.spaces) + lines[at(m.line)]!.trimStart();
      return lines.join("\n");
    case "replace-word":
      return replaceWord(text, m.word, m.by);
  }
}

function replaceWord(text: string, index: number, by: number): string {
  const words = [...text.matchAll(WORD)];
  if (words.length === 0) return text;
  const target = words[index % words.length]!;
  const replacement = words[by % words.length]![0];
  return text.slice(0, target.index) + replacement + text.slice(target.index + target[0].length);
}

export function mutateAll(text: string, list: readonly Mutation[]): string {
  return list.reduce(mutate, text);
}

/** The sample after one to three random edits. */
export const mutatedSample = mutations.map((list) => ({ list, text: mutateAll(sampleText, list) }));

/** The same seed on every run: a failure here is the same failure on every machine. */
export const SEED = 20_261_125;
