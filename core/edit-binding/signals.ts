import { isMap, isScalar, type Pair } from "yaml";
import type { SignalBinding } from "../binding-file.ts";
import { flowScalar, flowValue } from "../edit-app/flow-value.ts";
import { asWholeLines, joinInserts, type TextEdit } from "../edit-app/text-edit.ts";
import { insertPair, pairOf, replaceValue } from "../edit-app/yaml-places.ts";
import { nodeIdText } from "./quoting.ts";
import { addEntry, entryStyle, readTopMap, sectionMap, type EntryText } from "../edit-app/sections.ts";

/** Top-level keys of a binding in the order core/format.ts writes them. */
export const BINDING_SECTIONS = ["dengta", "app", "site", "endpoints", "signals", "cameras", "parameters", "calendar"];
/** Keys of a signal binding in the order core/format.ts writes them. */
const SIGNAL_KEYS = ["endpoint", "nodeId", "samplingMs", "queueSize", "deadband"];

/** Where a signal lives: an endpoint of the binding and a NodeId on that server. */
export interface SignalPlace {
  endpoint: string;
  nodeId: string;
}

/**
 * Binds `signal` to a node: a new entry written like the file's other signals (one flow line
 * like the samples unless they are written one key per line), or, when the signal is bound
 * already, only its `endpoint` and `nodeId` values changed, its other keys (samplingMs, …) kept.
 */
export function bindSignalEdit(text: string, signal: string, place: SignalPlace): TextEdit[] {
  return asWholeLines(text, (whole) => {
    const root = readTopMap(whole, "binding");
    const signals = sectionMap(root, "signals");
    const pair = pairOf(signals, signal);
    if (pair) return movedSignal(whole, pair, place);
    const style = entryStyle(signals) ?? entryStyle(sectionMap(root, "endpoints")) ?? "flow";
    return [addEntry(whole, root, "signals", BINDING_SECTIONS, signalEntry(signal, place), style)];
  });
}

function movedSignal(text: string, pair: Pair, place: SignalPlace): TextEdit[] {
  const binding = pair.value;
  if (!isMap(binding) || binding.items.length === 0) return [replaceValue(text, pair, signalValue(place))];
  const edits: TextEdit[] = [];
  for (const [key, value, written] of [["endpoint", place.endpoint, flowScalar(place.endpoint)], ["nodeId", place.nodeId, nodeIdText(place.nodeId)]] as const) {
    const current = pairOf(binding, key);
    if (current === undefined) edits.push(insertPair(text, binding, key, written, SIGNAL_KEYS));
    else if (!(isScalar(current.value) && current.value.value === value)) edits.push(replaceValue(text, current, written));
  }
  return joinInserts(edits);
}

/** A signal binding as an entry, its keys in canonical order. */
export function signalEntry(name: string, binding: SignalPlace & Partial<SignalBinding>): EntryText {
  const lines = SIGNAL_KEYS.flatMap((key) => {
    const value = binding[key as keyof SignalBinding];
    if (value === undefined) return [];
    return [`${key}: ${key === "nodeId" ? nodeIdText(value as string) : flowValue(value)}`];
  });
  return { flow: `${flowScalar(name)}: { ${lines.join(", ")} }`, block: { key: flowScalar(name), lines } };
}

function signalValue(place: SignalPlace): string {
  return `{ endpoint: ${flowScalar(place.endpoint)}, nodeId: ${nodeIdText(place.nodeId)} }`;
}
