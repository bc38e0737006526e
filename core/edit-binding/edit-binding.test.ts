// Binding edits change only the lines of what was bound, and the binding stays valid.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { BindingDocument } from "../binding-file.ts";
import { applyEdits, declareSignalEdit, type TextEdit } from "../edit-app.ts";
import { bindSignalEdit, endpointNameFor, newBindingText, setEndpointEdit } from "../edit-binding.ts";
import { builtinRegistry } from "../registry.ts";
import { loadChecked, validateApp } from "../validate.ts";

const { registry } = builtinRegistry();
const samplesDir = fileURLToPath(new URL("../../samples/", import.meta.url));
const samples = readdirSync(samplesDir).flatMap((dir) => readdirSync(`${samplesDir}${dir}`).filter((f) => f.endsWith(".binding.yaml")).map((f) => {
  const app = readdirSync(`${samplesDir}${dir}`).find((a) => a.endsWith(".iapp.yaml"))!;
  return { name: `${dir}/${f}`, text: readFileSync(`${samplesDir}${dir}/${f}`, "utf8"), app: readFileSync(`${samplesDir}${dir}/${app}`, "utf8") };
}));
const FILE = "site.binding.yaml";
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Comments everywhere, signals and an endpoint written one key per line, sections after signals. */
const crafted = `# header: the press line
# 页眉：冲压线
dengta: 1
app: press-line@^2 # the APP
endpoints:
  # the PLC of line 3
  plc:
    url: opc.tcp://plc-3.local:4840
    security: { mode: Sign, policy: Basic256Sha256 } # signed only
# where things live
signals:
  # counts every stroke
  strokes:
    endpoint: plc
    nodeId: "ns=2;s=Press.Strokes" # the counter
    samplingMs: 100
    queueSize: 10
  temperature:
    endpoint: plc
    nodeId: 'ns=2;s=Press.Temperature'
# values of this site
parameters:
  limitC: 80 # hot
# the end
`;

const noSignals = `# a site without signals yet
dengta: 1
app: press-line@^2
site: { en: Line 3, zh-CN: 三号线 }
# the line's server
endpoints:
  sim: { simulator: true }
# shifts follow the site's clock
calendar:
  timezone: Asia/Shanghai
  shifts:
    - { name: 早班, start: "08:00", end: "16:00" }
`;

const flowStyle = `dengta: 1
app: flowy@^1
endpoints: { sim: { simulator: true } }
signals: { a: { endpoint: sim, nodeId: "i=2258", samplingMs: 5 } }
`;

const bare = "dengta: 1\napp: bare@^1\n";

const crlf = (text: string) => text.replaceAll("\n", "\r\n");
const lines = (text: string) => text.split("\n");

/** Applies edits after checking they are what an editor can apply at once: none overlapping. */
function edited(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    expect(a.offset + a.length <= b.offset && !(a.offset === b.offset && a.length === 0)).toBe(true);
  }
  return applyEdits(text, edits);
}

function bind(text: string, signal: string, endpoint: string, nodeId: string): string {
  return edited(text, bindSignalEdit(text, signal, { endpoint, nodeId }));
}

function diagnostics(text: string): string[] {
  return loadChecked({ file: FILE, text }, "binding").diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message.en}`);
}

function binding(text: string): BindingDocument {
  return parse(text) as BindingDocument;
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

/** Every other line byte for byte as it was, in the same order. */
function expectLineChange(before: string, after: string, change: { removed?: string[]; added?: string[] }): void {
  expect(withoutLines(lines(after), change.added ?? [])).toEqual(withoutLines(lines(before), change.removed ?? []));
}

describe("binding a signal", () => {
  for (const sample of samples) {
    it(`adds a new signal to ${sample.name} as one flow line, valid, and idempotent`, () => {
      const after = bind(sample.text, "extraSignal", "sim", "nsu=urn:dengta:simulator;s=M9.Extra");
      const section = binding(sample.text).signals ? [] : ["signals:"];
      expectLineChange(sample.text, after, { added: [...section, `  extraSignal: { endpoint: sim, nodeId: "nsu=urn:dengta:simulator;s=M9.Extra" }`] });
      expect(diagnostics(after)).toEqual([]);
      expect(binding(after).signals!.extraSignal).toEqual({ endpoint: "sim", nodeId: "nsu=urn:dengta:simulator;s=M9.Extra" });
      expect(bindSignalEdit(after, "extraSignal", { endpoint: "sim", nodeId: "nsu=urn:dengta:simulator;s=M9.Extra" })).toEqual([]);
    });

    const first = Object.entries(binding(sample.text).signals ?? {})[0];
    if (first === undefined) continue;
    const [name, was] = first;
    it(`moves ${name} of ${sample.name} to another node, keeping its other keys and every other line`, () => {
      const after = bind(sample.text, name, "sim", "ns=4;s=Other.Node");
      const changed = lines(sample.text).find((l) => l.startsWith(`  ${name}: `))!;
      expectLineChange(sample.text, after, { removed: [changed], added: [changed.replace(/nodeId: "[^"]*"/, `nodeId: "ns=4;s=Other.Node"`)] });
      expect(binding(after).signals![name]).toEqual({ ...was, nodeId: "ns=4;s=Other.Node" });
      expect(diagnostics(after)).toEqual([]);
      expect(bind(after, name, "sim", "ns=4;s=Other.Node")).toBe(after);
      // The APP's check of the binding (signals declared, endpoints known) passes too.
      expect(validateApp({ file: "app.iapp.yaml", text: sample.app }, { registry, binding: { file: FILE, text: after } }).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    });
  }

  it("keeps samplingMs and queueSize of a signal written one key per line, changing only its nodeId line", () => {
    const after = bind(crafted, "strokes", "plc", "ns=2;s=Press.StrokeCount");
    expectLineChange(crafted, after, {
      removed: [`    nodeId: "ns=2;s=Press.Strokes" # the counter`],
      added: [`    nodeId: "ns=2;s=Press.StrokeCount" # the counter`],
    });
    expect(binding(after).signals!.strokes).toEqual({ endpoint: "plc", nodeId: "ns=2;s=Press.StrokeCount", samplingMs: 100, queueSize: 10 });
    expect(diagnostics(after)).toEqual([]);
  });

  it("leaves a NodeId alone when only its quotes differ", () => {
    expect(bindSignalEdit(crafted, "temperature", { endpoint: "plc", nodeId: "ns=2;s=Press.Temperature" })).toEqual([]);
  });

  it("writes a new signal one key per line where the others are, before the next section and its comment", () => {
    const after = bind(crafted, "pressure", "plc", "ns=2;s=Press.Pressure");
    expect(after).toBe(crafted.replace("# values of this site", `  pressure:\n    endpoint: plc\n    nodeId: "ns=2;s=Press.Pressure"\n# values of this site`));
    expect(diagnostics(after)).toEqual([]);
  });

  it("creates the signals section in canonical place: after endpoints, before calendar and the comment above it", () => {
    const after = bind(noSignals, "m1Temperature", "sim", "nsu=urn:dengta:simulator;s=M1.Temperature");
    expectLineChange(noSignals, after, { added: ["signals:", `  m1Temperature: { endpoint: sim, nodeId: "nsu=urn:dengta:simulator;s=M1.Temperature" }`] });
    expect(after.indexOf("signals:")).toBeLessThan(after.indexOf("# shifts follow"));
    expect(after.indexOf("signals:")).toBeGreaterThan(after.indexOf("sim: { simulator: true }"));
    expect(diagnostics(after)).toEqual([]);
  });

  it("fills an empty signals section", () => {
    for (const empty of ["signals:", "signals: {}", "signals: null"]) {
      const text = `${bare}endpoints:\n  sim: { simulator: true }\n${empty}\n`;
      const after = bind(text, "a", "sim", "i=2258");
      expect(after).toBe(`${bare}endpoints:\n  sim: { simulator: true }\nsignals:\n  a: { endpoint: sim, nodeId: "i=2258" }\n`);
      expect(diagnostics(after)).toEqual([]);
    }
  });

  it("appends to a flow-style signals map and edits a flow entry in place", () => {
    const added = bind(flowStyle, "b", "sim", "i=2259");
    expect(lines(added)[3]).toBe(`signals: { a: { endpoint: sim, nodeId: "i=2258", samplingMs: 5 }, b: { endpoint: sim, nodeId: "i=2259" } }`);
    const moved = bind(flowStyle, "a", "sim", "s=X");
    expect(lines(moved)[3]).toBe(`signals: { a: { endpoint: sim, nodeId: "s=X", samplingMs: 5 } }`);
    expect(diagnostics(added)).toEqual([]);
    expect(diagnostics(moved)).toEqual([]);
  });

  it("completes an entry missing endpoint or nodeId, in canonical key order", () => {
    const text = `${bare}signals:\n  a: { samplingMs: 5 }\n  b:\n    samplingMs: 5\n  c:\n`;
    let after = bind(text, "a", "sim", "i=1");
    after = bind(after, "b", "sim", "i=2");
    after = bind(after, "c", "sim", "i=3");
    expect(after).toBe(`${bare}signals:\n  a: { endpoint: sim, nodeId: "i=1", samplingMs: 5 }\n  b:\n    endpoint: sim\n    nodeId: "i=2"\n    samplingMs: 5\n  c: { endpoint: sim, nodeId: "i=3" }\n`);
    expect(diagnostics(after)).toEqual([]);
  });

  it("works on CRLF text and on text without a final line break", () => {
    const lf = bind(noSignals, "a", "sim", "i=1");
    expect(bind(crlf(noSignals), "a", "sim", "i=1")).toBe(crlf(lf));
    expect(bind(noSignals.trimEnd(), "a", "sim", "i=1")).toBe(lf.trimEnd());
    const atEnd = bind(bare.trimEnd(), "a", "sim", "i=1");
    expect(atEnd).toBe(`${bare}signals:\n  a: { endpoint: sim, nodeId: "i=1" }\n`);
  });

  it("quotes what YAML needs quoted, by yaml's own rules", () => {
    const odd = `s=a "b" #c: d\\e, {f} 温度\t'g'`;
    const after = bind(noSignals, "null", "true", odd);
    expect(binding(after).signals).toEqual({ null: { endpoint: "true", nodeId: odd } });
  });

  it("keeps the binding valid and sets exactly what was asked, for any name and NodeId (property)", () => {
    const name = fc.oneof(fc.stringMatching(IDENTIFIER), fc.constantFrom("null", "true", "False", "on", "y", "NaN", "m1StateCode", "strokes", "a"));
    const special = fc.constantFrom(";", "=", ":", "#", "\"", "'", "\\", " ", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`", "\t", "中", "- ", ": ", " #");
    const nodeId = fc.tuple(
      fc.constantFrom("", "ns=3;", "nsu=urn:dengta:simulator;", "nsu=http://x.org/UA/;"),
      fc.constantFrom("i", "s", "g", "b"),
      fc.string({ unit: fc.oneof(special, fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 20 }).filter((s) => /^.+$/.test(s)),
    ).map(([ns, kind, id]) => `${ns}${kind}=${id}`);
    const starts = [crafted, noSignals, flowStyle, bare, crlf(crafted), ...samples.map((s) => s.text)];
    fc.assert(fc.property(fc.constantFrom(...starts), name, fc.stringMatching(IDENTIFIER), nodeId, (start, signal, endpoint, id) => {
      const before = binding(start).signals?.[signal];
      const once = bind(start, signal, endpoint, id);
      expect(binding(once).signals![signal]).toEqual({ ...before, endpoint, nodeId: id });
      expect(diagnostics(once)).toEqual([]);
      expect(bind(once, signal, endpoint, id)).toBe(once);
      if (before === undefined && start !== flowStyle) expect(withoutLines(lines(once), [])).toEqual(expect.arrayContaining(lines(start)));
    }), { numRuns: 300 });
  });
});

describe("setting an endpoint", () => {
  const secure = { url: "opc.tcp://plc-line2.local:4840", security: { mode: "SignAndEncrypt" as const, policy: "Basic256Sha256" }, user: { name: "dengta", password: { secret: "plc-password" } } };

  for (const sample of samples) {
    it(`adds a secured endpoint to ${sample.name} one key per line, with the password as a secret reference`, () => {
      const after = edited(sample.text, setEndpointEdit(sample.text, "plc", secure));
      expectLineChange(sample.text, after, { added: [
        ...(binding(sample.text).endpoints ? [] : ["endpoints:"]),
        "  plc:",
        "    url: opc.tcp://plc-line2.local:4840",
        "    security: { mode: SignAndEncrypt, policy: Basic256Sha256 }",
        "    user: { name: dengta, password: { secret: plc-password } }",
      ] });
      expect(binding(after).endpoints!.plc).toEqual(secure);
      expect(diagnostics(after)).toEqual([]);
      expect(setEndpointEdit(after, "plc", secure)).toEqual([]);
    });
  }

  it("replaces the whole entry of an endpoint, keeping the comment after it and every other line", () => {
    const text = noSignals.replace("sim: { simulator: true }", "sim: { simulator: true } # for training");
    const after = edited(text, setEndpointEdit(text, "sim", { url: "opc.tcp://10.0.0.5:4840" }));
    expectLineChange(text, after, { removed: ["  sim: { simulator: true } # for training"], added: ["  sim: { url: opc.tcp://10.0.0.5:4840 } # for training"] });
    const secured = edited(after, setEndpointEdit(after, "sim", secure));
    expectLineChange(text, secured, { removed: ["  sim: { simulator: true } # for training"], added: [
      "  sim:", "    url: opc.tcp://plc-line2.local:4840", "    security: { mode: SignAndEncrypt, policy: Basic256Sha256 }",
      "    user: { name: dengta, password: { secret: plc-password } } # for training",
    ] });
    expect(diagnostics(secured)).toEqual([]);
  });

  it("replaces an endpoint written one key per line with its comments inside, and nothing else", () => {
    const after = edited(crafted, setEndpointEdit(crafted, "plc", { url: "opc.tcp://plc-4.local:4840" }));
    expectLineChange(crafted, after, {
      removed: ["  plc:", "    url: opc.tcp://plc-3.local:4840", "    security: { mode: Sign, policy: Basic256Sha256 } # signed only"],
      added: ["  plc:", "    url: opc.tcp://plc-4.local:4840"],
    });
    expect(binding(after).endpoints).toEqual({ plc: { url: "opc.tcp://plc-4.local:4840" } });
    expect(diagnostics(after)).toEqual([]);
  });

  it("writes into a flow-style endpoints map in flow style", () => {
    const after = edited(flowStyle, setEndpointEdit(flowStyle, "plc", secure));
    expect(lines(after)[2]).toBe("endpoints: { sim: { simulator: true }, plc: { url: opc.tcp://plc-line2.local:4840, security: { mode: SignAndEncrypt, policy: Basic256Sha256 }, user: { name: dengta, password: { secret: plc-password } } } }");
    expect(diagnostics(after)).toEqual([]);
  });

  it("creates endpoints before signals on CRLF text", () => {
    const text = crlf(`${bare}signals:\n  a: { endpoint: sim, nodeId: "i=1" }\n`);
    const after = edited(text, setEndpointEdit(text, "sim", { simulator: true }));
    expect(after).toBe(crlf(`${bare}endpoints:\n  sim: { simulator: true }\nsignals:\n  a: { endpoint: sim, nodeId: "i=1" }\n`));
  });
});

describe("a new binding", () => {
  it("is valid, says what it binds in both languages, and reads back as given", () => {
    const spec = {
      app: "oee-line@^1",
      site: { en: "Line 2: north", "zh-CN": "二号线：北" },
      endpoints: {
        sim: { simulator: true },
        plc: { url: "opc.tcp://plc.local:4840", security: { mode: "Sign" as const }, user: { name: "op", password: { secret: "plc-password" } } },
      },
      signals: {
        m1StateCode: { endpoint: "sim", nodeId: "nsu=urn:dengta:simulator;s=M1.StateCode", samplingMs: 0 },
        m1Good: { endpoint: "plc", nodeId: "ns=3;s=M1 #good", deadband: { kind: "absolute" as const, value: 1 }, queueSize: 5 },
      },
    };
    const text = newBindingText(spec);
    expect(diagnostics(text)).toEqual([]);
    expect(binding(text)).toEqual({ dengta: 1, ...spec });
    expect(lines(text).slice(0, 2).every((l) => l.startsWith("# "))).toBe(true);
    expect(text).toMatch(/oee-line.*\n.*oee-line.*[\u4e00-\u9fff]/);
    expect(text).toContain(`  m1StateCode: { endpoint: sim, nodeId: "nsu=urn:dengta:simulator;s=M1.StateCode", samplingMs: 0 }\n`);
    expect(text).toContain("  plc:\n    url: opc.tcp://plc.local:4840\n");
  });

  it("with the APP alone is valid, and every edit starts from it", () => {
    let text = newBindingText({ app: "oee-line@^1" });
    expect(diagnostics(text)).toEqual([]);
    text = edited(text, setEndpointEdit(text, "sim", { simulator: true }));
    text = bind(text, "m1Good", "sim", "nsu=urn:dengta:simulator;s=M1.GoodCount");
    expect(diagnostics(text)).toEqual([]);
    expect(binding(text).signals).toEqual({ m1Good: { endpoint: "sim", nodeId: "nsu=urn:dengta:simulator;s=M1.GoodCount" } });
  });

  it("refuses an APP reference the schema would not accept", () => {
    expect(() => newBindingText({ app: "oee-line" })).toThrow(RangeError);
  });

  it("binds a signal declared in the APP so that the APP and its binding check out together", () => {
    const sample = samples.find((s) => s.name.startsWith("oven-watch"))!;
    const app = edited(sample.app, declareSignalEdit(sample.app, "ovenDoor", { type: "boolean", direction: "in" }));
    let text = edited(sample.text, setEndpointEdit(sample.text, "sim", { simulator: true }));
    text = bind(text, "ovenDoor", "sim", "nsu=urn:dengta:simulator;s=Oven.Door");
    expect(validateApp({ file: "oven-watch.iapp.yaml", text: app }, { registry, binding: { file: FILE, text } }).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});

describe("endpoint names", () => {
  it("reads the host", () => {
    expect(endpointNameFor("opc.tcp://plc-line2.local:4840", [])).toBe("plcLine2");
    expect(endpointNameFor("opc.tcp://PLC_3.factory.example.com:4840/UA/Server", [])).toBe("plc3");
    expect(endpointNameFor("opc.tcp://192.168.0.10:4840", [])).toBe("ip192_168_0_10");
    expect(endpointNameFor("opc.tcp://[fe80::1]:4840", [])).toBe("ip6_fe80_1");
    expect(endpointNameFor("opc.tcp://user@3dprinter:4840", [])).toBe("host3dprinter");
    expect(endpointNameFor("not a url", [])).toBe("endpoint");
  });

  it("never takes a name twice", () => {
    expect(endpointNameFor("opc.tcp://plc.local:4840", ["plc"])).toBe("plc2");
    expect(endpointNameFor("opc.tcp://plc-3.local:4840", ["plc3", "plc3_2"])).toBe("plc3_3");
  });

  it("always gives a free identifier (property)", () => {
    fc.assert(fc.property(fc.string(), fc.array(fc.stringMatching(IDENTIFIER)), (host, taken) => {
      const url = `opc.tcp://${host}:4840`;
      const name = endpointNameFor(url, [...taken, endpointNameFor(url, taken)]);
      expect(name).toMatch(IDENTIFIER);
      expect(taken).not.toContain(name);
    }));
  });
});
