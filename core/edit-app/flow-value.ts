import { stringify } from "yaml";

/**
 * A config value as one line of YAML flow style, the way Dengta files write it:
 * `{ limit: { $param: limitC }, windows: [60, 300] }`. Strings are quoted only when they must be.
 */
export function flowValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowValue).join(", ")}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    return `{ ${entries.map(([k, v]) => `${flowScalar(k)}: ${flowValue(v)}`).join(", ")} }`;
  }
  return flowScalar(value);
}

/** yaml knows when a scalar inside `[...]` needs quotes (`a, b`, `"1"`, `x #y`); ask it there. */
export function flowScalar(value: unknown): string {
  const inList = stringify([value], { collectionStyle: "flow", flowCollectionPadding: false, lineWidth: 0 }).trim();
  return inList.slice(1, -1);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
