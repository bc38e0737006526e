import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinRegistry, loadRegistry } from "./registry.ts";
import { dengtaHome } from "./project-paths.ts";

const timerDir = join(dengtaHome(), "blocks", "timer");

function blocksFolder(): string {
  return mkdtempSync(join(tmpdir(), "dengta-registry-"));
}

describe("block registry", () => {
  it("finds the library's blocks by id and major version, with valid manifests", () => {
    const { registry, diagnostics } = builtinRegistry();
    expect(diagnostics).toEqual([]);
    expect(registry.ids()).toEqual(expect.arrayContaining(["dengta.flow.map", "dengta.logic.threshold", "dengta.store.file", "dengta.time.timer"]));
    const map = registry.find("dengta.flow.map", 1)!;
    expect(map.key).toBe("dengta.flow.map@1");
    expect(map.manifest.inputs.in!.required).toBe(true);
    expect(registry.find("dengta.flow.map", 2)).toBeUndefined();
    expect(registry.majors("dengta.flow.map")).toEqual([1]);
  });

  it("fills in config defaults from the block's schema", () => {
    const validate = builtinRegistry().registry.find("dengta.logic.threshold", 1)!.configValidator();
    const config: Record<string, unknown> = { limit: 3 };
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ limit: 3, direction: "above", hysteresis: 0 });
  });

  it("reports a manifest that breaks the schema at its line and column, and leaves the block out", () => {
    const root = blocksFolder();
    cpSync(timerDir, join(root, "timer"), { recursive: true });
    const manifest = readFileSync(join(root, "timer", "block.json"), "utf8").replace('"version": "1.0.0"', '"version": "one"');
    writeFileSync(join(root, "timer", "block.json"), manifest);
    const { registry, diagnostics } = loadRegistry([root]);
    expect(registry.all()).toEqual([]);
    const line = manifest.split("\n").findIndex((l) => l.includes('"one"')) + 1;
    expect(diagnostics).toMatchObject([{ code: "schema", file: join(root, "timer", "block.json"), line, path: ["version"] }]);
    expect(diagnostics[0]!.column).toBe(manifest.split("\n")[line - 1]!.indexOf('"one"') + 1);
  });

  it("refuses a second block with the same id and major version", () => {
    const root = blocksFolder();
    cpSync(timerDir, join(root, "a-timer"), { recursive: true });
    cpSync(timerDir, join(root, "b-timer"), { recursive: true });
    const { registry, diagnostics } = loadRegistry([root]);
    expect(registry.all()).toHaveLength(1);
    expect(diagnostics).toMatchObject([{ code: "block-invalid", file: join(root, "b-timer", "block.json") }]);
    expect(diagnostics[0]!.message["zh-CN"]).toContain("主版本相同");
  });

  it("reports a config schema that does not compile", () => {
    const root = blocksFolder();
    cpSync(timerDir, join(root, "timer"), { recursive: true });
    writeFileSync(join(root, "timer", "config.schema.json"), JSON.stringify({ type: "object", properties: { a: { type: "nonsense" } } }));
    const { registry, diagnostics } = loadRegistry([root]);
    expect(registry.all()).toEqual([]);
    expect(diagnostics).toMatchObject([{ code: "block-invalid" }]);
    expect(diagnostics[0]!.message.en).toContain("config schema does not compile");
  });
});
