// Declaring a signal adds its lines and nothing else, and the APP stays valid.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { AppDocument } from "../app-file.ts";
import { builtinRegistry } from "../registry.ts";
import { validateApp } from "../validate.ts";
import { declareSignalEdit, uniqueSignalName, type NewSignal } from "./signals.ts";
import { applyEdits, type TextEdit } from "./text-edit.ts";

const { registry } = builtinRegistry();
const samplesDir = fileURLToPath(new URL("../../samples/", import.meta.url));
const samples = readdirSync(samplesDir).flatMap((dir) =>
  readdirSync(`${samplesDir}${dir}`).filter((f) => f.endsWith(".iapp.yaml")).map((f) => ({ name: dir, text: readFileSync(`${samplesDir}${dir}/${f}`, "utf8") })));
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const door: NewSignal = { type: "boolean", direction: "in", title: { en: "Door open", "zh-CN": "门已打开" } };
const doorLine = "  doorOpen: { type: boolean, direction: in, title: { en: Door open, zh-CN: 门已打开 } }";

/** Parameters, then a comment that introduces the nodes; block-style signals elsewhere. */
const noSignals = `# header
dengta: 1
app:
  id: crafted
  version: 1.0.0
  title: { en: Crafted, zh-CN: 手工 }
parameters:
  limitC: { type: number, default: 80, title: { en: Limit, zh-CN: 限值 } } # hot
# the nodes
nodes:
  tick: { block: dengta.time.timer@1, config: { intervalMs: 100 } }
`;

const blockSignals = `dengta: 1
app: { id: blocky, version: 1.0.0, title: { en: Blocky, zh-CN: 块 } }
signals:
  # the oven
  ovenTemperature:
    type: number
    direction: in
    unit: °C # Celsius
    title: { en: Oven temperature, zh-CN: 炉温 }
nodes:
  oven: { block: dengta.opcua.subscribe@1, config: { signal: ovenTemperature } }
`;

const lines = (text: string) => text.split("\n");
const app = (text: string) => parse(text) as AppDocument;

function edited(text: string, edits: TextEdit[]): string {
  return applyEdits(text, edits);
}

function diagnostics(text: string): string[] {
  return validateApp({ file: "canvas.iapp.yaml", text }, { registry }).diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message.en}`);
}

function withoutLines(all: string[], drop: readonly string[]): string[] {
  const rest = [...all];
  for (const line of drop) {
    const at = rest.indexOf(line);
    expect(at, `line ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(0);
    rest.splice(at, 1);
  }
  return rest;
}

describe("declaring a signal", () => {
  for (const sample of samples) {
    it(`adds one line to ${sample.name} (and signals: when missing), which stays valid`, () => {
      const after = edited(sample.text, declareSignalEdit(sample.text, "doorOpen", door));
      const section = app(sample.text).signals ? [] : ["signals:"];
      expect(withoutLines(lines(after), [...section, doorLine])).toEqual(lines(sample.text));
      expect(app(after).signals!.doorOpen).toEqual(door);
      expect(diagnostics(after)).toEqual([]);
      expect(declareSignalEdit(after, "doorOpen", door)).toEqual([]);
    });
  }

  it("leaves a signal declared already as it is", () => {
    const sample = samples.find((s) => s.name === "oee-line")!.text;
    expect(declareSignalEdit(sample, "m1Good", { type: "string", direction: "in" })).toEqual([]);
  });

  it("creates signals after parameters, leaving the comment above nodes with them", () => {
    const after = edited(noSignals, declareSignalEdit(noSignals, "doorOpen", door));
    expect(after).toBe(noSignals.replace("# the nodes", `signals:\n${doorLine}\n# the nodes`));
    expect(diagnostics(after)).toEqual([]);
  });

  it("creates signals before nodes when there are no parameters, on CRLF text too", () => {
    const text = noSignals.replace(/parameters:\n.*\n/, "").replace("# the nodes\n", "").replaceAll("\n", "\r\n");
    const after = edited(text, declareSignalEdit(text, "doorOpen", door));
    expect(after).toBe(text.replace("nodes:", `signals:\r\n${doorLine}\r\nnodes:`));
    expect(diagnostics(after)).toEqual([]);
  });

  it("writes one key per line where the signals are written so, with the unit and a title spelt from the name", () => {
    const after = edited(blockSignals, declareSignalEdit(blockSignals, "m1StateCode", { type: "integer", direction: "in", unit: "1" }));
    expect(after).toBe(blockSignals.replace("nodes:", `  m1StateCode:\n    type: integer\n    direction: in\n    unit: "1"\n    title: { en: M1 state code, zh-CN: M1 state code }\nnodes:`));
    expect(diagnostics(after)).toEqual([]);
  });

  it("keeps the APP valid for any free name, type, unit and title (property)", () => {
    const text = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /^[^\n\r\u2028\u2029]+$/.test(s) && s.trim() === s), fc.constantFrom("温度 > 80", "a, b", "x: y", "#no", "'q'", "\"q\"", "true", "12", "- x", "{ a }"));
    const signal = fc.record({
      type: fc.constantFrom("any", "number", "integer", "boolean", "string", "object", "array", "event", "image" as const),
      direction: fc.constantFrom("in", "out", "inout" as const),
      unit: fc.option(text, { nil: undefined }),
      title: fc.option(fc.record({ en: text, "zh-CN": text }), { nil: undefined }),
    }, { requiredKeys: ["type", "direction"] });
    const starts = [noSignals, blockSignals, ...samples.map((s) => s.text)];
    fc.assert(fc.property(fc.constantFrom(...starts), fc.string(), signal, (start, browseName, spec) => {
      const taken = Object.keys(app(start).signals ?? {});
      const name = uniqueSignalName(browseName, taken);
      const after = edited(start, declareSignalEdit(start, name, spec as NewSignal));
      const declared = app(after).signals![name]!;
      expect(declared.type).toBe(spec.type);
      if (spec.title) expect(declared.title).toEqual(spec.title);
      if (spec.unit !== undefined) expect(declared.unit).toBe(spec.unit);
      expect(diagnostics(after)).toEqual([]);
      expect(withoutLines(lines(after), [])).toEqual(expect.arrayContaining(lines(start)));
    }), { numRuns: 200 });
  });
});

describe("signal names from browse names", () => {
  it("reads them as the samples name their signals", () => {
    expect(uniqueSignalName("M1.StateCode", [])).toBe("m1StateCode");
    expect(uniqueSignalName("Temperature", [])).toBe("temperature");
    expect(uniqueSignalName("2:Temperature", [])).toBe("temperature");
    expect(uniqueSignalName("PLC_Temp", [])).toBe("plcTemp");
    expect(uniqueSignalName("PLCTemperature", [])).toBe("plcTemperature");
    expect(uniqueSignalName("line 2 / part-present", [])).toBe("line2PartPresent");
    expect(uniqueSignalName("4711", [])).toBe("signal4711");
    expect(uniqueSignalName("温度", [])).toBe("signal");
  });

  it("never takes a name twice", () => {
    expect(uniqueSignalName("Temperature", ["temperature"])).toBe("temperature2");
    expect(uniqueSignalName("M1.Good", ["m1Good", "m1Good2"])).toBe("m1Good3");
    expect(uniqueSignalName("Motor1", ["motor1"])).toBe("motor1_2");
  });

  it("always gives a free identifier (property)", () => {
    fc.assert(fc.property(fc.string({ maxLength: 100 }), fc.array(fc.stringMatching(IDENTIFIER)), (browseName, taken) => {
      const name = uniqueSignalName(browseName, [...taken, uniqueSignalName(browseName, taken)]);
      expect(name).toMatch(IDENTIFIER);
      expect(taken).not.toContain(name);
    }));
  });
});
