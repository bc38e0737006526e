// Append-only events: alarms, state changes, operator actions — things that happened once.
import type { StatementSync } from "node:sqlite";
import type { Database } from "./database.ts";

export interface EventRecord {
  ts: number;
  kind: string;
  source: string;
  data: unknown;
}

export class Events {
  private readonly sql: Record<"insert" | "since" | "sinceOfKind", StatementSync>;

  constructor(private readonly db: Database) {
    const sqlite = db.sqlite;
    this.sql = {
      insert: sqlite.prepare("INSERT INTO events (ts, kind, source, data) VALUES (?, ?, ?, ?)"),
      since: sqlite.prepare("SELECT ts, kind, source, data FROM events WHERE ts >= ? AND ts < ? ORDER BY ts, id LIMIT ?"),
      sinceOfKind: sqlite.prepare("SELECT ts, kind, source, data FROM events WHERE ts >= ? AND ts < ? AND kind = ? ORDER BY ts, id LIMIT ?"),
    };
  }

  append(events: readonly EventRecord[]): void {
    if (events.length === 0) return;
    this.db.transaction(() => {
      for (const event of events) this.sql.insert.run(event.ts, event.kind, event.source, JSON.stringify(event.data ?? null));
    });
  }

  /** Events with fromTs ≤ ts < toTs, oldest first, optionally of one kind. */
  query(fromTs: number, toTs: number, options: { kind?: string; limit?: number } = {}): EventRecord[] {
    const limit = options.limit ?? 100_000;
    const rows = (options.kind === undefined
      ? this.sql.since.all(fromTs, toTs, limit)
      : this.sql.sinceOfKind.all(fromTs, toTs, options.kind, limit)) as Array<{ ts: number; kind: string; source: string; data: string }>;
    return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as unknown }));
  }
}
