import { isDeepStrictEqual } from "node:util";
import { isNode } from "yaml";
import type { EndpointSpec } from "../binding-file.ts";
import { flowScalar, flowValue } from "../edit-app/flow-value.ts";
import { asWholeLines, type TextEdit } from "../edit-app/text-edit.ts";
import { pairOf } from "../edit-app/yaml-places.ts";
import { addEntry, entryStyle, readTopMap, replaceEntry, sectionMap, type EntryText } from "../edit-app/sections.ts";
import { BINDING_SECTIONS } from "./signals.ts";
import { freeName } from "../free-name.ts";

/** Keys of an endpoint in the order core/format.ts writes them; publishingMs, which it leaves alone, last. */
const ENDPOINT_KEYS = ["url", "simulator", "security", "user", "certificate", "publishingMs"];
const IDENTIFIER_LIMIT = 64;

/** An OPC UA server of a binding; a password or key is a `{ secret: name }` reference, never the value. */
export type Endpoint = EndpointSpec & { publishingMs?: number };

/**
 * Adds the endpoint `name`, or replaces the whole entry when there is one: a simple endpoint on
 * one flow line (`sim: { simulator: true }`), one with security or a user one key per line, as in
 * the design's example, unless the file writes its endpoints otherwise.
 */
export function setEndpointEdit(text: string, name: string, endpoint: Endpoint): TextEdit[] {
  return asWholeLines(text, (whole) => {
    const root = readTopMap(whole, "binding");
    const endpoints = sectionMap(root, "endpoints");
    const entry = endpointEntry(name, endpoint);
    const style = entry.block!.lines.length > 1 || entryStyle(endpoints) === "block" ? "block" : "flow";
    const pair = pairOf(endpoints, name);
    if (pair === undefined) return [addEntry(whole, root, "endpoints", BINDING_SECTIONS, entry, style)];
    if (isDeepStrictEqual(isNode(pair.value) ? pair.value.toJSON() : pair.value, JSON.parse(JSON.stringify(endpoint)))) return [];
    return [replaceEntry(whole, endpoints!, pair, entry, style)];
  });
}

/** An endpoint as an entry, its keys (and those of its security and user) in canonical order. */
export function endpointEntry(name: string, endpoint: Endpoint): EntryText {
  const spec = endpoint as Record<string, unknown>;
  const known = ENDPOINT_KEYS.filter((key) => spec[key] !== undefined);
  const others = Object.keys(spec).filter((key) => !ENDPOINT_KEYS.includes(key) && spec[key] !== undefined);
  const lines = [...known, ...others].map((key) => `${flowScalar(key)}: ${flowValue(ordered(key, spec[key]))}`);
  return { flow: `${flowScalar(name)}: { ${lines.join(", ")} }`, block: { key: flowScalar(name), lines } };
}

function ordered(key: string, value: unknown): unknown {
  if (key === "security" && typeof value === "object" && value !== null) {
    const { mode, policy, ...rest } = value as Record<string, unknown>;
    return { mode, policy, ...rest };
  }
  if (key === "user" && typeof value === "object" && value !== null) {
    const { name, password, ...rest } = value as Record<string, unknown>;
    return { name, password, ...rest };
  }
  return value;
}

/**
 * A readable endpoint name from the server's host, unique among `taken`: `opc.tcp://plc-line2.local:4840`
 * gives `plcLine2`, `opc.tcp://192.168.0.10:4840` gives `ip192_168_0_10`. A taken name gets a counter,
 * after a `_` when the name ends in a digit (`plcLine2_2`), so the counter never reads as part of it.
 */
export function endpointNameFor(url: string, taken: Iterable<string> = []): string {
  return freeName(hostName(url).slice(0, IDENTIFIER_LIMIT - 4), taken);
}

function hostName(url: string): string {
  const host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url.trim())?.[1] ?? "";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return `ip${host.replaceAll(".", "_")}`;
  if (host.startsWith("[")) {
    const groups = host.slice(1, -1).split(/[^0-9A-Za-z]+/).filter(Boolean).join("_");
    return groups ? `ip6_${groups}` : "ip6";
  }
  const label = host.split(".")[0] ?? "";
  return camelCase(label) ?? "endpoint";
}

/** `plc-line2` → `plcLine2`; undefined when nothing readable is left or it does not start with a letter. */
function camelCase(label: string): string | undefined {
  const words = label.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const name = words.map((word, i) => (i === 0 ? word.toLowerCase() : word[0]!.toUpperCase() + word.slice(1).toLowerCase())).join("");
  return /^[a-z]/.test(name) ? name : `host${name}`;
}
