// `dengta fmt` settles in one pass and changes only the layout of a file: same data, same comments.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { formatText } from "../../core/format.ts";
import { mutatedSample, sampleText, SEED } from "./sample.ts";

const FILE = "fmt.iapp.yaml";

/** The formatted text, or undefined when the input has diagnostics (fmt then leaves it alone). */
function format(text: string): string | undefined {
  const result = formatText("app", FILE, text);
  return "text" in result ? result.text : undefined;
}

function commentLines(text: string): string[] {
  return text.split("\n").map((line) => line.trim()).filter((line) => line.startsWith("#"));
}

function expectSameMeaning(input: string, output: string): void {
  // toEqual ignores the order of keys, which is exactly what fmt may change.
  expect(parse(output)).toEqual(parse(input));
  const missing = commentLines(input).filter((comment) => !output.includes(comment));
  expect(missing).toEqual([]);
}

function expectFormatsWell(input: string): void {
  const once = format(input);
  if (once === undefined) return;
  expect(format(once)).toBe(once);
  expectSameMeaning(input, once);
}

describe("fmt", () => {
  it("leaves the sample as it is: it is already formatted", () => {
    expect(format(sampleText)).toBe(sampleText);
  });

  it("is idempotent and keeps data and comments, on random edits of the sample", () => {
    fc.assert(fc.property(mutatedSample, ({ text }) => expectFormatsWell(text)), { numRuns: 500, seed: SEED });
  });

  it("is idempotent and keeps data and comments when the sections are shuffled", () => {
    const sections = sampleText.trimEnd().split(/\n(?=[a-z])/);
    fc.assert(fc.property(fc.shuffledSubarray(sections, { minLength: sections.length }), (shuffled) => {
      expectFormatsWell(`${shuffled.join("\n")}\n`);
    }), { numRuns: 300, seed: SEED });
  });
});

// Cases the properties above found, kept as plain examples so that each reads on its own.
describe("fmt on cases found by the properties", () => {
  it("settles in one pass when a key with a blank line and a comment before it moves to the top", () => {
    const text = [
      "# Demo APP",
      "app: { id: demo, version: 1.0.0, title: { en: Demo, zh-CN: 演示 } }",
      "",
      "# format version",
      "dengta: 1",
      "nodes: {}",
      "",
    ].join("\n");
    expect(format(text)).toMatch(/^# Demo APP\n/);
    expectFormatsWell(text);
  });

  it("settles in one pass, with no whitespace-only line, when a node's block moves above its config", () => {
    const text = [
      "dengta: 1",
      "app: { id: demo, version: 1.0.0, title: { en: Demo, zh-CN: 演示 } }",
      "nodes:",
      "  tick:",
      "    config: { intervalMs: 100 }",
      "",
      "    # a timer",
      "    block: dengta.time.timer@1",
      "",
    ].join("\n");
    expect(format(text)!.split("\n").filter((line) => line !== "" && line.trim() === "")).toEqual([]);
    expectFormatsWell(text);
  });

  it("refuses a lone carriage return with its position, rather than writing it back ambiguously", () => {
    const text = sampleText.replace("# readings are logged", "#\r readings are logged");
    const result = formatText("app", FILE, text);
    expect(result).toMatchObject({ diagnostics: [{ code: "lone-carriage-return", line: 2 }] });
  });

  it("keeps CRLF line endings, so that a formatted file from Windows stays unchanged", () => {
    const crlf = sampleText.replace(/\n/g, "\r\n");
    expect(format(crlf)).toBe(crlf);
  });
});

