// Time-series history: one row per value, kept within an age and a byte budget per series.
import type { StatementSync } from "node:sqlite";
import type { Quality } from "../block.ts";
import type { Database } from "./database.ts";

export interface HistoryRow {
  series: string;
  ts: number;
  value: unknown;
  quality: Quality;
}

export interface HistoryPoint {
  ts: number;
  value: unknown;
  quality: Quality;
}

export interface Retention {
  /** Rows older than this (by their own ts, against `now`) are deleted. */
  maxAgeMs?: number;
  /** Budget for a series' rows; when over it, the oldest rows go until it is 10% under. */
  maxBytes?: number;
}

/** A row's size estimate: its text plus what SQLite spends on the id, ts and row header. */
const ROW_OVERHEAD_BYTES = 24;
/** Deleting down to 90% of the budget means one clean-up per 10% of growth, not one per row. */
const LOW_WATER = 0.9;

export class History {
  private readonly sql: Record<"insert" | "series" | "query" | "before" | "removeBefore" | "oldest" | "removeIds", StatementSync>;

  constructor(private readonly db: Database) {
    const sqlite = db.sqlite;
    this.sql = {
      insert: sqlite.prepare("INSERT INTO history (series, ts, value, quality, bytes) VALUES (?, ?, ?, ?, ?)"),
      series: sqlite.prepare(
        "INSERT INTO history_series (series, rows, bytes) VALUES (?, ?, ?) ON CONFLICT (series) DO UPDATE SET rows = rows + excluded.rows, bytes = bytes + excluded.bytes",
      ),
      query: sqlite.prepare("SELECT ts, value, quality FROM history WHERE series = ? AND ts >= ? AND ts < ? ORDER BY ts, id LIMIT ?"),
      before: sqlite.prepare("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM history WHERE series = ? AND ts < ?"),
      removeBefore: sqlite.prepare("DELETE FROM history WHERE series = ? AND ts < ?"),
      oldest: sqlite.prepare("SELECT id, bytes FROM history WHERE series = ? ORDER BY ts, id LIMIT ?"),
      removeIds: sqlite.prepare("DELETE FROM history WHERE id IN (SELECT value FROM json_each(?))"),
    };
  }

  /** Appends rows in one transaction. */
  append(rows: readonly HistoryRow[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      const added = new Map<string, { rows: number; bytes: number }>();
      for (const row of rows) {
        const value = JSON.stringify(row.value ?? null);
        const bytes = value.length + row.series.length + row.quality.length + ROW_OVERHEAD_BYTES;
        this.sql.insert.run(row.series, row.ts, value, row.quality, bytes);
        const total = added.get(row.series) ?? { rows: 0, bytes: 0 };
        added.set(row.series, { rows: total.rows + 1, bytes: total.bytes + bytes });
      }
      for (const [series, total] of added) this.sql.series.run(series, total.rows, total.bytes);
    });
  }

  /** Points of `series` with fromTs ≤ ts < toTs, oldest first. */
  query(series: string, fromTs: number, toTs: number, limit = 100_000): HistoryPoint[] {
    const rows = this.sql.query.all(series, fromTs, toTs, limit) as Array<{ ts: number; value: string; quality: Quality }>;
    return rows.map((row) => ({ ts: row.ts, value: JSON.parse(row.value) as unknown, quality: row.quality }));
  }

  /** Rows and estimated bytes of a series, read from a running total (no scan). */
  size(series: string): { rows: number; bytes: number } {
    const row = this.db.sqlite.prepare("SELECT rows, bytes FROM history_series WHERE series = ?").get(series) as
      | { rows: number; bytes: number }
      | undefined;
    return row ?? { rows: 0, bytes: 0 };
  }

  /** Applies `retention` to a series; returns how many rows were deleted. Cheap when nothing is due. */
  enforce(series: string, retention: Retention, now: number): number {
    let deleted = 0;
    if (retention.maxAgeMs !== undefined) deleted += this.deleteOlderThan(series, now - retention.maxAgeMs);
    if (retention.maxBytes !== undefined && this.size(series).bytes > retention.maxBytes) {
      deleted += this.deleteOldestDownTo(series, Math.floor(retention.maxBytes * LOW_WATER));
    }
    return deleted;
  }

  private deleteOlderThan(series: string, cutoff: number): number {
    return this.db.transaction(() => {
      const gone = this.sql.before.get(series, cutoff) as { n: number; bytes: number };
      if (gone.n === 0) return 0;
      this.sql.removeBefore.run(series, cutoff);
      this.sql.series.run(series, -gone.n, -gone.bytes);
      return gone.n;
    });
  }

  private deleteOldestDownTo(series: string, targetBytes: number): number {
    return this.db.transaction(() => {
      const { rows, bytes } = this.size(series);
      let excess = bytes - targetBytes;
      const ids: number[] = [];
      for (const row of this.sql.oldest.iterate(series, rows) as Iterable<{ id: number; bytes: number }>) {
        if (excess <= 0) break;
        ids.push(row.id);
        excess -= row.bytes;
      }
      this.sql.removeIds.run(JSON.stringify(ids));
      this.sql.series.run(series, -ids.length, -(bytes - targetBytes - excess));
      return ids.length;
    });
  }
}
