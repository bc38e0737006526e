import type { SignalSpec } from "../app-file.ts";
import type { LocalizedText } from "../diagnostics.ts";
import { addEntry, entryStyle, sectionMap } from "./sections.ts";
import { flowScalar, flowValue } from "./flow-value.ts";
import { asWholeLines, type TextEdit } from "./text-edit.ts";
import { pairOf, readApp } from "./yaml-places.ts";
import { freeName } from "../free-name.ts";

/** Top-level keys of an APP in the order core/format.ts writes them. */
const APP_SECTIONS = ["dengta", "app", "parameters", "signals", "nodes", "edges", "layout"];
/** Keys of a signal in the order core/format.ts writes them. */
const SIGNAL_KEYS = ["type", "direction", "unit", "title", "description"] as const;
const ID_LIMIT = 64;

export type SignalType = "any" | "number" | "integer" | "boolean" | "string" | "object" | "array" | "event" | "image";

export interface NewSignal {
  type: SignalType;
  direction: SignalSpec["direction"];
  /** The schema wants a title; without one the name is spelt out (`m1StateCode` → `M1 state code`) in both languages. */
  title?: LocalizedText;
  unit?: string;
  description?: LocalizedText;
}

/**
 * Declares an abstract signal of the APP as one more entry of `signals`, written like the ones
 * there (one flow line like the samples), creating `signals:` in its canonical place (after
 * `parameters`, before `nodes`) when missing. A signal declared already is left as it is.
 */
export function declareSignalEdit(text: string, name: string, signal: NewSignal): TextEdit[] {
  return asWholeLines(text, (whole) => {
    const root = readApp(whole);
    const signals = sectionMap(root, "signals");
    if (pairOf(signals, name)) return [];
    const spec: Record<string, unknown> = { ...signal, title: signal.title ?? { en: spelt(name), "zh-CN": spelt(name) } };
    const lines = SIGNAL_KEYS.filter((key) => spec[key] !== undefined).map((key) => `${key}: ${flowValue(i18nOrdered(spec[key]))}`);
    const entry = { flow: `${flowScalar(name)}: { ${lines.join(", ")} }`, block: { key: flowScalar(name), lines } };
    return [addEntry(whole, root, "signals", APP_SECTIONS, entry, entryStyle(signals) ?? "flow")];
  });
}

function i18nOrdered(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("en" in value)) return value;
  const text = value as LocalizedText;
  return { en: text.en, "zh-CN": text["zh-CN"] };
}

/** `m1StateCode` → `M1 state code`. */
function spelt(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").split(/[\s_-]+/).filter(Boolean);
  return words.map((word, i) => (i === 0 ? word[0]!.toUpperCase() + word.slice(1) : /^[A-Z][a-z]/.test(word) ? word.toLowerCase() : word)).join(" ");
}

/**
 * A camelCase signal name from an OPC UA browse name, unique among `taken`: `M1.StateCode` gives
 * `m1StateCode` (as the samples name it), `2:Temperature` gives `temperature`, `PLC_Temp` gives
 * `plcTemp`; a name with no letters or digits gives `signal`. Taken names get a counter.
 */
export function uniqueSignalName(browseName: string, taken: Iterable<string> = []): string {
  return freeName(signalName(browseName).slice(0, ID_LIMIT - 4), taken);
}

function signalName(browseName: string): string {
  const words = browseName.replace(/^\d+:/, "").split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (words.length === 0) return "signal";
  const [first, ...rest] = words;
  const name = lowerLead(first!) + rest.map((word) => word[0]!.toUpperCase() + word.slice(1)).join("");
  return /^[a-z]/.test(name) ? name : `signal${name[0]!.toUpperCase()}${name.slice(1)}`;
}

/** Lower-cases a word's leading capitals, all but the one that starts the next word: `PLCTemp` → `plcTemp`, `M1` → `m1`. */
function lowerLead(word: string): string {
  const lead = /^[A-Z0-9]+(?=[A-Z][a-z])|^[A-Z0-9]+/.exec(word)?.[0] ?? "";
  if (lead.length === 0) return word;
  return lead.toLowerCase() + word.slice(lead.length);
}
