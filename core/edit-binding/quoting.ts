import { stringify } from "yaml";

/**
 * A NodeId as YAML writes a double-quoted string, the way the samples write NodeIds: its `;`,
 * `=` and `:` never need thinking about, and any odd character is escaped by yaml itself.
 */
export function nodeIdText(nodeId: string): string {
  return stringify(nodeId, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN", lineWidth: 0, minContentWidth: 0 }).trimEnd();
}
