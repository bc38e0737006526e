// The signals an APP declares and the blocks that read them: what a variable can be bound to.
import { parse } from "yaml";
import type { Text } from "../../../webview/protocol.ts";

export interface AppSignal {
  name: string;
  type: string;
  direction: string;
  title?: Text;
}

export interface AppSignals {
  /** `app.id@^major`, as a binding names its APP. */
  appRef: string | undefined;
  signals: AppSignal[];
  /** Node id → the signal its config names. */
  nodeSignals: Record<string, string>;
}

export function appSignals(text: string): AppSignals {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return { appRef: undefined, signals: [], nodeSignals: {} };
  }
  const root = isRecord(doc) ? doc : {};
  const app = isRecord(root.app) ? root.app : {};
  const major = typeof app.version === "string" ? app.version.split(".")[0] : undefined;
  const appRef = typeof app.id === "string" && major ? `${app.id}@^${major}` : undefined;
  const signals = Object.entries(isRecord(root.signals) ? root.signals : {}).flatMap(([name, spec]) => isRecord(spec) ? [{
    name, type: String(spec.type ?? "any"), direction: String(spec.direction ?? "in"),
    ...(isRecord(spec.title) && typeof spec.title.en === "string" ? { title: spec.title as unknown as Text } : {}),
  }] : []);
  const nodeSignals: Record<string, string> = {};
  for (const [id, node] of Object.entries(isRecord(root.nodes) ? root.nodes : {})) {
    const signal = isRecord(node) && isRecord(node.config) ? node.config.signal : undefined;
    if (typeof signal === "string") nodeSignals[id] = signal;
  }
  return { appRef, signals, nodeSignals };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
