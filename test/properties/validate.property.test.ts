// The validator answers every input with well-formed diagnostics: no exception, no hang, and
// every position inside the file.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Diagnostic } from "../../core/diagnostics.ts";
import { validateApp } from "../../core/validate.ts";
import { parseYamlBytes } from "../../core/yaml-source.ts";
import { problemsOf } from "../diagnostics/well-formed.ts";
import { mutatedSample, SEED } from "./sample.ts";

const FILE = "fuzz.iapp.yaml";
/** Per input; a guard against hangs, far above the few milliseconds a small file takes. */
const LIMIT_MS = 2_000;

/** What is wrong with the diagnostics of `text`; empty when nothing is. */
function problemsIn(text: string | undefined, diagnostics: readonly Diagnostic[]): string[] {
  // Lines as editors count them: LF, CRLF or a lone CR ends a line.
  const lines = text?.split(/\r\n|\r|\n/);
  return diagnostics.flatMap((d) => {
    const problems = problemsOf(d, FILE);
    const line = lines?.[d.line - 1];
    if (lines !== undefined && line === undefined) problems.push(`line ${d.line} is past the end (${lines.length} lines)`);
    if (line !== undefined && d.column > line.length + 1) problems.push(`column ${d.column} is past the end of line ${d.line} (${line.length} characters)`);
    return problems.map((p) => `${d.code} ${d.line}:${d.column}: ${p}`);
  });
}

function checkText(text: string): void {
  const started = performance.now();
  const { diagnostics } = validateApp({ file: FILE, text });
  expect(performance.now() - started).toBeLessThan(LIMIT_MS);
  expect(problemsIn(text, diagnostics)).toEqual([]);
}

function run<Ts>(property: fc.IProperty<Ts>, numRuns = 400): void {
  fc.assert(property, { numRuns, seed: SEED });
}

const identifier = fc.constantFrom("a", "b", "c", "tick", "__proto__", "constructor", "toString");
// Mostly ports and blocks that fit, so that many graphs are complete enough to be checked as graphs.
const output = fc.constantFrom("out", "out", "out", "alarm", "error", "in");
const input = fc.constantFrom("in", "in", "in", "out");
const block = fc.constantFrom("dengta.flow.map@1", "dengta.flow.map@1", "dengta.flow.map@1", "dengta.time.timer@1", "dengta.logic.threshold@1", "dengta.store.file@1", "dengta.flow.map@2", "dengta.no.such@1");
const config = fc.oneof(
  fc.constant({ expression: "$" }),
  fc.dictionary(fc.constantFrom("intervalMs", "count", "expression", "limit", "direction", "file", "format"), fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constant({ $param: "p" }),
    fc.constant({ $param: "q" }),
  )),
);

/** Data shaped like an APP, so that random input gets past the schema into the graph checks. */
const appLike = fc.record({
  dengta: fc.constantFrom(1, 1, 1, "1"),
  app: fc.constant({ id: "fuzz", version: "1.0.0", title: { en: "Fuzz", "zh-CN": "模糊" } }),
  parameters: fc.option(fc.constant({ p: { type: "number", default: 3, title: { en: "P", "zh-CN": "参" } }, q: { type: "integer", title: { en: "Q", "zh-CN": "参" } } }), { nil: undefined }),
  nodes: fc.dictionary(identifier, fc.record({ block, config }, { requiredKeys: ["block"] }), { maxKeys: 5 }),
  edges: fc.array(fc.tuple(identifier, output, identifier, input).map(([a, p, b, q]) => `${a}.${p} -> ${b}.${q}`), { maxLength: 8 }),
  layout: fc.option(fc.dictionary(identifier, fc.tuple(fc.integer(), fc.integer())), { nil: undefined }),
}, { requiredKeys: ["dengta", "app", "nodes"] });

/** Map nodes joined by random `out -> in` edges: every graph is well typed, some have cycles. */
const graph = fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e"), { minLength: 1 }).chain((ids) => fc.record({
  ids: fc.constant(ids),
  edges: fc.uniqueArray(fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...ids)), { maxLength: 8, selector: ([a, b]) => `${a}>${b}` }),
}));

function graphText(ids: string[], edges: Array<[string, string]>): string {
  const nodes = ids.map((id) => `  ${id}: { block: dengta.flow.map@1, config: { expression: $ } }`);
  const lines = edges.map(([from, to]) => `  - ${from}.out -> ${to}.in`);
  return ["dengta: 1", "app: { id: graph, version: 1.0.0, title: { en: Graph, zh-CN: 图 } }", "nodes:", ...nodes, "edges:", ...lines, ""].join("\n");
}

function hasCycle(ids: string[], edges: Array<[string, string]>): boolean {
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
    edges.some(([a, b]) => a === from && !seen.has(b) && (b === to || reaches(b, to, seen.add(b))));
  return ids.some((id) => reaches(id, id));
}

describe("validation never throws, never hangs, always points inside the file", () => {
  it("on arbitrary strings", () => {
    run(fc.property(fc.string(), checkText));
  });

  it("on arbitrary full-Unicode strings", () => {
    run(fc.property(fc.string({ unit: "binary" }), checkText));
  });

  it("on arbitrary bytes", () => {
    run(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const { diagnostics } = parseYamlBytes(FILE, bytes);
      expect(problemsIn(undefined, diagnostics)).toEqual([]);
    }));
  });

  it("on random JSON values written as YAML", () => {
    run(fc.property(fc.jsonValue(), (value) => checkText(stringify(value))));
  });

  it("on random APP-shaped data written as YAML", () => {
    run(fc.property(appLike, (value) => checkText(stringify(value))), 500);
  });

  it("on random graphs, reporting a cycle exactly when there is one", () => {
    run(fc.property(graph, ({ ids, edges }) => {
      const text = graphText(ids, edges);
      checkText(text);
      const codes = validateApp({ file: FILE, text }).diagnostics.map((d) => d.code);
      expect(codes.includes("cycle")).toBe(hasCycle(ids, edges));
    }), 500);
  });

  it("on random edits of the sample", () => {
    run(fc.property(mutatedSample, ({ text }) => checkText(text)), 500);
  });
});
