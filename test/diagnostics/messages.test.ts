// Schema messages a trainee can act on: what to write, in words, never a regular expression or
// Ajv's own English inside the Chinese text.
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../core/diagnostics.ts";
import { validateApp } from "../../core/validate.ts";
import { sampleText } from "../properties/sample.ts";

const APP = "dengta: 1\napp: { id: demo, version: 1.0.0, title: { en: Demo, zh-CN: 演示 } }\n";

function appDiagnostics(text: string): Diagnostic[] {
  return validateApp({ file: "app.iapp.yaml", text }).diagnostics;
}

function bindingDiagnostics(endpoint: string): Diagnostic[] {
  const binding = `dengta: 1\napp: oven-watch@^1\nendpoints:\n  plc: ${endpoint}\n`;
  return validateApp({ file: "app.iapp.yaml", text: sampleText }, { binding: { file: "site.binding.yaml", text: binding } }).diagnostics;
}

/** One message, in words: no pattern syntax, and no English sentence left in the Chinese. */
function expectOneReadableMessage(diagnostics: Diagnostic[], ...mentions: string[]): void {
  expect(diagnostics).toHaveLength(1);
  const { en, "zh-CN": zh } = diagnostics[0]!.message;
  for (const text of [en, zh]) expect(text).not.toMatch(/\^|\(\?|\\s|\\\.|\$\)/);
  expect(zh).not.toMatch(/\bmust\b/);
  for (const word of mentions) {
    expect(en).toContain(word);
    expect(zh).toContain(word);
  }
}

describe("schema messages", () => {
  it("say how to write an edge", () => {
    expectOneReadableMessage(appDiagnostics(`${APP}nodes:\n  tick: { block: dengta.time.timer@1 }\nedges:\n  - tick.out => tick.in\n`), "->");
  });

  it("say how to name a block when the major version is missing", () => {
    expectOneReadableMessage(appDiagnostics(`${APP}nodes:\n  tick: { block: dengta.time.timer }\n`), "@");
  });

  it("say that an endpoint needs a url or the simulator, once", () => {
    expectOneReadableMessage(bindingDiagnostics("{ }"), "url", "simulator");
  });

  it("say that an endpoint takes a url or the simulator, not both", () => {
    expectOneReadableMessage(bindingDiagnostics('{ url: "opc.tcp://plc:4840", simulator: true }'), "url", "simulator");
  });

  it("say that an endpoint takes a user or a certificate, not both", () => {
    const both = '{ url: "opc.tcp://plc:4840", user: { name: u, password: { secret: pw } }, certificate: { cert: c.pem, key: { secret: k } } }';
    expectOneReadableMessage(bindingDiagnostics(both), "user", "certificate");
  });
});
