// Which evidence files exist, how big they are and whether they show a reject: a small SQLite
// file beside them (node:sqlite, WAL), so pruning is a query, not a walk over the folders.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";

export interface EvidenceRow {
  id: number;
  ts: number;
  serial: string;
  pass: boolean;
  /** Paths relative to the evidence folder; png is empty when the verdict had no picture. */
  png: string;
  json: string;
  bytes: number;
}

export class EvidenceIndex {
  private readonly db: DatabaseSync;
  private readonly insertRow: StatementSync;
  private readonly oldestRows: StatementSync;
  private readonly deleteRow: StatementSync;
  private readonly totals: StatementSync;
  private readonly readMeta: StatementSync;
  private readonly writeMeta: StatementSync;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    // Loaded on demand: on Node 22 the module prints an experimental warning when first loaded.
    const sqlite = process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite");
    this.db = new sqlite.DatabaseSync(path);
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.db.exec(`CREATE TABLE IF NOT EXISTS evidence (
      id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, serial TEXT NOT NULL, pass INTEGER NOT NULL,
      png TEXT NOT NULL, json TEXT NOT NULL, bytes INTEGER NOT NULL)`);
    this.db.exec("CREATE INDEX IF NOT EXISTS evidence_age ON evidence (pass, ts, id)");
    this.db.exec("CREATE INDEX IF NOT EXISTS evidence_serial ON evidence (serial)");
    this.db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    this.insertRow = this.db.prepare("INSERT INTO evidence (ts, serial, pass, png, json, bytes) VALUES (?, ?, ?, ?, ?, ?)");
    this.oldestRows = this.db.prepare("SELECT * FROM evidence WHERE pass = ? ORDER BY ts, id LIMIT ?");
    this.deleteRow = this.db.prepare("DELETE FROM evidence WHERE id = ?");
    this.totals = this.db.prepare("SELECT pass, COUNT(*) AS files, COALESCE(SUM(bytes), 0) AS bytes FROM evidence GROUP BY pass");
    this.readMeta = this.db.prepare("SELECT value FROM meta WHERE key = ?");
    this.writeMeta = this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  }

  add(row: Omit<EvidenceRow, "id">): void {
    this.insertRow.run(row.ts, row.serial, row.pass ? 1 : 0, row.png, row.json, row.bytes);
  }

  oldest(pass: boolean, limit: number): EvidenceRow[] {
    return (this.oldestRows.all(pass ? 1 : 0, limit) as Array<Record<string, number | string>>).map((r) => ({
      id: r.id as number, ts: r.ts as number, serial: r.serial as string, pass: r.pass === 1,
      png: r.png as string, json: r.json as string, bytes: r.bytes as number,
    }));
  }

  remove(id: number): void {
    this.deleteRow.run(id);
  }

  usage(): { passes: { files: number; bytes: number }; rejects: { files: number; bytes: number } } {
    const result = { passes: { files: 0, bytes: 0 }, rejects: { files: 0, bytes: 0 } };
    for (const row of this.totals.all() as Array<{ pass: number; files: number; bytes: number }>) {
      result[row.pass === 1 ? "passes" : "rejects"] = { files: row.files, bytes: row.bytes };
    }
    return result;
  }

  counter(key: string): number {
    return (this.readMeta.get(key) as { value: number } | undefined)?.value ?? 0;
  }

  setCounter(key: string, value: number): void {
    this.writeMeta.run(key, value);
  }

  close(): void {
    this.db.close();
  }
}
