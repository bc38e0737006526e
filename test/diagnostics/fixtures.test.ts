// One fixture per diagnostic code (and a few more that pin down bugs), each stating on its first
// line what validation must report in it: see expectations.ts for the form.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { AppChecker } from "../../core/check-app.ts";
import { formatText } from "../../core/format.ts";
import { diagnosticCodes } from "../../core/messages.ts";
import { loadRegistry } from "../../core/registry.ts";
import { validateApp } from "../../core/validate.ts";
import { parseYamlText } from "../../core/yaml-source.ts";
import { badInputs } from "./bad-inputs.ts";
import { byPosition, codeOf, expectedIn, summary } from "./expectations.ts";
import { expectWellFormed } from "./well-formed.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..");
const fixtures = join(here, "fixtures");
/** The library's blocks plus one whose config names a signal: no library block does yet. */
const registry = loadRegistry([join(root, "blocks"), join(fixtures, "blocks")]).registry;

const appFixtures = readdirSync(fixtures).filter((name) => name.endsWith(".iapp.yaml")).sort();
/** Shown by the tests in "codes no fixture file can show" below. */
const shownWithoutFixture = ["file-unreadable", "edge-syntax", "block-invalid", "too-many-problems", "lone-carriage-return"];

describe("fixtures", () => {
  it.each(appFixtures)("%s", (name) => {
    const app = join(fixtures, name);
    const binding = app.replace(/\.iapp\.yaml$/, ".binding.yaml");
    const files = existsSync(binding) ? [app, binding] : [app];
    const result = validateApp({ file: app }, { registry, ...(files.length > 1 ? { binding: { file: binding } } : {}) });
    expect(result.diagnostics.filter((d) => !files.includes(d.file))).toEqual([]);
    for (const file of files) {
      const found = result.diagnostics.filter((d) => d.file === file);
      expectWellFormed(found, file);
      expect({ file: basename(file), diagnostics: found.map(summary).sort(byPosition) }).toEqual({ file: basename(file), diagnostics: expectedIn(file) });
    }
  });
});

describe("codes no fixture file can show", () => {
  const dir = mkdtempSync(join(tmpdir(), "dengta-fixtures-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("file-unreadable: a missing file and a folder", () => {
    for (const file of [join(dir, "missing.iapp.yaml"), dir]) {
      const { diagnostics } = validateApp({ file });
      expectWellFormed(diagnostics, file);
      expect(diagnostics.map(summary)).toEqual(["file-unreadable 1:1"]);
    }
  });

  it("edge-syntax: only the checker can report it, since the schema's edge pattern catches a bad edge first", () => {
    const text = "dengta: 1\napp: { id: demo, version: 1.0.0, title: { en: Demo, zh-CN: 演示 } }\nnodes:\n  tick: { block: dengta.time.timer@1 }\nedges:\n  - tick.out => tick.in\n";
    expect(validateApp({ file: "edge.iapp.yaml", text }, { registry }).diagnostics.map(summary)).toEqual(["schema 6:5"]);
    const loaded = parseYamlText("edge.iapp.yaml", text);
    if (!loaded.ok) throw new Error("the text should parse");
    const checker = new AppChecker({ app: loaded.value }, registry);
    checker.check();
    expectWellFormed(checker.diagnostics, "edge.iapp.yaml");
    expect(checker.diagnostics.map(summary)).toEqual(["edge-syntax 6:5"]);
  });

  it("too-many-problems: after the first 200, one warning counts the rest", () => {
    const text = Array.from({ length: 300 }, (_, i) => `k${i}: 1\n`).join("");
    const { diagnostics } = validateApp({ file: "many.iapp.yaml", text });
    expectWellFormed(diagnostics, "many.iapp.yaml");
    // 3 missing required keys and 300 unknown ones.
    expect(diagnostics).toHaveLength(201);
    expect(diagnostics.slice(0, 200).every((d) => d.code === "schema")).toBe(true);
    expect(diagnostics[200]).toMatchObject({ code: "too-many-problems", severity: "warning" });
    expect(diagnostics[200]!.message.en).toContain("103");
  });

  it("lone-carriage-return: fmt refuses a CR without LF, at its position", () => {
    const result = formatText("app", "cr.iapp.yaml", "dengta: 1\n# note\r more\nnodes: {}\n");
    expect("diagnostics" in result).toBe(true);
    const diagnostics = "diagnostics" in result ? result.diagnostics : [];
    expectWellFormed(diagnostics, "cr.iapp.yaml");
    expect(diagnostics.map(summary)).toEqual(["lone-carriage-return 2:7"]);
  });

  it("block-invalid: a block folder whose runtime file is missing", () => {
    const blocks = join(dir, "blocks");
    mkdirSync(blocks, { recursive: true });
    cpSync(join(fixtures, "blocks", "signal-read"), join(blocks, "no-runtime"), { recursive: true });
    rmSync(join(blocks, "no-runtime", "runtime.ts"));
    const { registry: loaded, diagnostics } = loadRegistry([blocks]);
    const file = join(blocks, "no-runtime", "block.json");
    expectWellFormed(diagnostics, file);
    expect(diagnostics.map(summary)).toEqual(["block-invalid 1:1"]);
    expect(diagnostics[0]!.message.en).toContain("runtime.ts");
    expect(loaded.all()).toEqual([]);
  });

  it("block-invalid: a config schema that does not compile, and a manifest that is not JSON", () => {
    const blocks = join(dir, "more-blocks");
    mkdirSync(blocks, { recursive: true });
    cpSync(join(fixtures, "blocks", "signal-read"), join(blocks, "bad-schema"), { recursive: true });
    writeFileSync(join(blocks, "bad-schema", "config.schema.json"), '{ "type": "nope" }\n');
    mkdirSync(join(blocks, "broken"));
    writeFileSync(join(blocks, "broken", "block.json"), '{\n  "id": "test.broken",\n  "version": \n');
    const { diagnostics } = loadRegistry([blocks]);
    expectWellFormed(diagnostics);
    expect(diagnostics.map((d) => `${d.file.slice(blocks.length + 1)} ${summary(d)}`).sort()).toEqual([
      "bad-schema/config.schema.json block-invalid 1:1",
      "broken/block.json yaml-syntax 3:14",
    ]);
  });
});

describe("coverage", () => {
  it("every diagnostic code is shown by a fixture, a generated bad input (bad-inputs.ts) or a test above", () => {
    const fromFixtures = readdirSync(fixtures).filter((name) => name.endsWith(".yaml"))
      .flatMap((name) => expectedIn(join(fixtures, name)).map(codeOf));
    const covered = new Set([...fromFixtures, ...badInputs.flatMap((input) => input.expect), ...shownWithoutFixture]);
    expect(diagnosticCodes.filter((code) => !covered.has(code))).toEqual([]);
  });
});
