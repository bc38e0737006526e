// Broken and hostile input gives diagnostics, quickly, never an exception or a polluted prototype.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../core/diagnostics.ts";
import { validateApp } from "../../core/validate.ts";
import { MAX_FILE_BYTES, parseYamlBytes } from "../../core/yaml-source.ts";
import { badInputs, type BadInput } from "./bad-inputs.ts";
import { expectWellFormed } from "./well-formed.ts";

/** A guard against hangs, not a benchmark: the bound is generous on purpose. */
const LIMIT_MS = 5_000;

const dir = mkdtempSync(join(tmpdir(), "dengta-bad-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function timed(run: () => { diagnostics: Diagnostic[] }): { diagnostics: Diagnostic[]; ms: number } {
  const started = performance.now();
  const { diagnostics } = run();
  return { diagnostics, ms: performance.now() - started };
}

function expectSafe(file: string, result: { diagnostics: Diagnostic[]; ms: number }): void {
  expect(result.ms).toBeLessThan(LIMIT_MS);
  expectWellFormed(result.diagnostics, file);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty("polluted");
}

function expectHandled(input: BadInput, file: string, result: { diagnostics: Diagnostic[]; ms: number }): void {
  expectSafe(file, result);
  const codes = result.diagnostics.map((d) => d.code);
  expect(codes.some((code) => input.expect.includes(code)), `expected one of ${input.expect.join(", ")}; got ${codes.join(", ")}`).toBe(true);
}

describe.each(badInputs)("bad input: $name", (input) => {
  it("read from a file", () => {
    const file = join(dir, "input.iapp.yaml");
    writeFileSync(file, input.content());
    expectHandled(input, file, timed(() => validateApp({ file })));
  });

  // Some inputs only exist as files (a folder, a missing path).
  if (!input.fileOnly) {
    it("as bytes and as an editor's text", () => {
      const content = input.content();
      const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
      // Bytes only go through parsing; the schema and meaning checks come after.
      expectSafe("bytes.iapp.yaml", timed(() => parseYamlBytes("bytes.iapp.yaml", bytes)));
      if (typeof content === "string") expectHandled(input, "text.iapp.yaml", timed(() => validateApp({ file: "text.iapp.yaml", text: content })));
    });
  }
});

describe("limits", () => {
  it("refuses an editor's text above the file size limit, as it refuses such a file", () => {
    // Comment lines, so that without the check this would be parsed in full rather than refused.
    const text = `# ${"x".repeat(78)}\n`.repeat(Math.ceil(MAX_FILE_BYTES / 80) + 1);
    const { diagnostics } = validateApp({ file: "big.iapp.yaml", text });
    expect(diagnostics.map((d) => d.code)).toEqual(["file-too-large"]);
  });
});
