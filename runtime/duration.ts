const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "8h", "1h30m" → milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0].replace(/\s+/g, "")).join("") !== text.trim().replace(/\s+/g, "")) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}
