// Hostile and broken inputs, generated rather than stored: shared by the in-process and CLI tests.
import type { DiagnosticCode } from "../../core/messages.ts";

export interface BadInput {
  name: string;
  /** The file's content; text is also validated as an editor would pass it. */
  content: () => string | Uint8Array;
  /** At least one of these codes must be reported (which one can depend on how the input is read). */
  expect: DiagnosticCode[];
  /** Only read from a file: as text it would take minutes if the size limit on text ever went. */
  fileOnly?: boolean;
}

const DEPTH = 10_000;
const APP = "dengta: 1\napp: { id: demo, version: 1.0.0, title: { en: Demo, zh-CN: 演示 } }\n";

/** Builds a value once, the first time a test asks for it. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

function deepBlockMapping(depth: number): string {
  const lines: string[] = [];
  for (let i = 0; i < depth; i++) lines.push(`${" ".repeat(i)}a:`);
  return `${lines.join("\n")} 1\n`;
}

/** Ten aliases per level, seven levels: 10^7 strings once expanded. */
function aliasBomb(levels: number): string {
  const lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}

export const badInputs: BadInput[] = [
  { name: "50 MB of `a: 1` lines", content: once(() => "a: 1\n".repeat(10 * 1024 * 1024)), expect: ["file-too-large"], fileOnly: true },
  { name: "NUL bytes", content: () => new TextEncoder().encode(`${APP}nodes:\0\n`), expect: ["not-text"] },
  { name: "invalid UTF-8", content: () => Uint8Array.from([0x64, 0x65, 0x6e, 0x67, 0x74, 0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]), expect: ["not-text"] },
  { name: "UTF-16 with a byte-order mark", content: () => Uint8Array.from([0xff, 0xfe, ..."dengta: 1\n".split("").flatMap((c) => [c.charCodeAt(0), 0])]), expect: ["not-text"] },
  { name: "an empty file", content: () => "", expect: ["empty-file"] },
  { name: "only blank lines", content: () => "  \n\n\t\n", expect: ["empty-file"] },
  { name: `${DEPTH}-deep [`, content: () => "[".repeat(DEPTH), expect: ["too-deep"] },
  { name: `${DEPTH}-deep [] closed`, content: () => `${"[".repeat(DEPTH)}${"]".repeat(DEPTH)}\n`, expect: ["too-deep"] },
  { name: `${DEPTH}-deep flow mapping`, content: () => `${"{a: ".repeat(DEPTH)}1${"}".repeat(DEPTH)}\n`, expect: ["too-deep"] },
  { name: `${DEPTH}-deep compact sequence`, content: () => `${"- ".repeat(DEPTH)}1\n`, expect: ["too-deep"] },
  { name: `${DEPTH}-deep block mapping`, content: once(() => deepBlockMapping(DEPTH)), expect: ["too-deep", "file-too-large"] },
  { name: "alias bomb", content: () => aliasBomb(7), expect: ["alias-limit"] },
  { name: "__proto__ at the top", content: () => `__proto__: { polluted: yes }\n${APP}nodes: {}\n`, expect: ["schema"] },
  { name: "__proto__ as a node id", content: () => `${APP}nodes:\n  __proto__: { block: dengta.time.timer@1, polluted: yes }\n`, expect: ["schema"] },
  { name: "__proto__ in a config", content: () => `${APP}nodes:\n  tick: { block: dengta.time.timer@1, config: { __proto__: { polluted: yes } } }\n`, expect: ["config-invalid"] },
  { name: "quoted __proto__ in a config", content: () => `${APP}nodes:\n  tick: { block: dengta.time.timer@1, config: { "__proto__": { polluted: yes }, intervalMs: 5 } }\n`, expect: ["config-invalid"] },
  { name: "__proto__ as a layout id", content: () => `${APP}nodes: {}\nlayout:\n  __proto__: { polluted: yes }\n`, expect: ["schema"] },
  { name: "$param naming __proto__", content: () => `${APP}nodes:\n  tick: { block: dengta.time.timer@1, config: { intervalMs: { $param: __proto__ } } }\n`, expect: ["unknown-parameter"] },
  { name: "$param naming constructor", content: () => `${APP}nodes:\n  tick: { block: dengta.time.timer@1, config: { intervalMs: { $param: constructor } } }\n`, expect: ["unknown-parameter"] },
  { name: "wrong types everywhere", content: () => 'dengta: "1"\napp: demo\nparameters: [a]\nsignals: s\nnodes: [tick, log]\nedges: { tick: log }\nlayout: 3\n', expect: ["schema"] },
  { name: "wrong types inside", content: () => `${APP}nodes:\n  tick: { block: 7, config: [] }\nedges: [1, null, { a: b }, [x]]\nlayout: { tick: [x, y, z] }\n`, expect: ["schema"] },
  { name: "a scalar document", content: () => "42\n", expect: ["schema"] },
  { name: "a list document", content: () => "- dengta: 1\n", expect: ["schema"] },
  { name: "a null document", content: () => "~\n", expect: ["schema"] },
  { name: "two documents", content: () => `${APP}nodes: {}\n---\n${APP}nodes: {}\n`, expect: ["yaml-syntax"] },
  { name: "a collection as a key", content: () => `${APP}nodes:\n  ? [a, b]\n  : { block: dengta.time.timer@1 }\n`, expect: ["schema"] },
  { name: "100,000 copies of one key", content: once(() => "a: 1\n".repeat(100_000)), expect: ["duplicate-key"] },
  { name: "a huge block major version", content: () => `${APP}nodes:\n  tick: { block: dengta.time.timer@99999999999999999999999 }\n`, expect: ["schema"] },
];

/**
 * Inputs within the size limit that took validation minutes while it was O(keys²) (100,000
 * distinct keys: over 7 minutes). Only the CLI test runs them, in a child process with a timeout:
 * a hang in-process would block the test worker, and vitest cannot interrupt synchronous code.
 */
export const slowInputs: BadInput[] = [
  {
    name: "100,000 distinct keys in one map (1.2 MB)",
    content: once(() => Array.from({ length: 100_000 }, (_, i) => `k${i}: 1\n`).join("")),
    expect: ["schema"],
  },
];
