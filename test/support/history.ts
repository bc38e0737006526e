import { DatabaseSync } from "node:sqlite";

/** The last value stored for each series in a bundle's SQLite history. */
export function lastStored(database: string): Record<string, unknown> {
  const db = new DatabaseSync(database, { readOnly: true });
  const rows = db.prepare("SELECT series, value FROM history h WHERE id = (SELECT max(id) FROM history WHERE series = h.series)").all() as Array<{ series: string; value: string }>;
  db.close();
  return Object.fromEntries(rows.map((r) => [r.series, JSON.parse(r.value)]));
}
