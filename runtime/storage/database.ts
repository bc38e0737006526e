// The bundle's embedded database: one node:sqlite file in WAL mode holding history, events and
// the store-and-forward outbox, so there is one place to back up and inspect with any SQLite tool.
import type { DatabaseSync } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

export const DATABASE_FILE = "dengta.db";

/** Schema steps in order; `user_version` records how many have been applied. Never edit a step: add one. */
const MIGRATIONS: string[] = [
  `CREATE TABLE history (
     id INTEGER PRIMARY KEY,
     series TEXT NOT NULL,
     ts INTEGER NOT NULL,
     value TEXT NOT NULL,
     quality TEXT NOT NULL,
     bytes INTEGER NOT NULL
   );
   CREATE INDEX history_series_ts ON history (series, ts);
   CREATE TABLE history_series (series TEXT PRIMARY KEY, rows INTEGER NOT NULL, bytes INTEGER NOT NULL);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     ts INTEGER NOT NULL,
     kind TEXT NOT NULL,
     source TEXT NOT NULL,
     data TEXT NOT NULL
   );
   CREATE INDEX events_ts ON events (ts);
   CREATE TABLE outbox (
     queue TEXT NOT NULL,
     seq INTEGER NOT NULL,
     topic TEXT NOT NULL,
     payload BLOB NOT NULL,
     ts INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     PRIMARY KEY (queue, seq)
   ) WITHOUT ROWID;
   CREATE TABLE outbox_queue (queue TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, depth INTEGER NOT NULL, bytes INTEGER NOT NULL);`,
];

export interface Database {
  readonly path: string;
  readonly sqlite: DatabaseSync;
  /**
   * Runs `work` in one write transaction. `durable` commits with synchronous=FULL: the commit is
   * on disk (WAL fsynced) when this returns, so a power cut cannot take it back.
   */
  transaction<T>(work: () => T, options?: { durable?: boolean }): T;
  close(): void;
}

export function openDatabase(path: string): Database {
  // Loaded on demand: on Node 22 the module prints an experimental warning when first loaded.
  const sqlite = process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite");
  mkdirSync(dirname(path), { recursive: true });
  const db = new sqlite.DatabaseSync(path);
  // WAL + NORMAL never corrupts the file on a power cut, but the last commits before it may be
  // rolled back (the WAL is fsynced only at checkpoints). That is fine for history and events;
  // the outbox commits new messages with `durable` (FULL) because "enqueued" must mean "kept".
  // A crash of the process alone (kill -9) loses nothing in either mode: the OS has the writes.
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  migrate(db);
  return {
    path,
    sqlite: db,
    transaction: (work, options) => transaction(db, work, options?.durable ?? false),
    close: () => db.close(),
  };
}

/** The database of a bundle whose data folder is `dataDir`. */
export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

export function schemaVersion(db: DatabaseSync): number {
  return (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
}

function migrate(db: DatabaseSync): void {
  const from = schemaVersion(db);
  if (from > MIGRATIONS.length) {
    throw new Error(`database schema version ${from} is newer than this runtime knows (${MIGRATIONS.length})`);
  }
  for (let version = from; version < MIGRATIONS.length; version++) {
    transaction(db, () => {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    }, true);
  }
}

function transaction<T>(db: DatabaseSync, work: () => T, durable: boolean): T {
  if (db.isTransaction) throw new Error("transactions do not nest");
  // synchronous can only change outside a transaction; it applies to the next commit.
  if (durable) db.exec("PRAGMA synchronous = FULL");
  try {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  } finally {
    if (durable) db.exec("PRAGMA synchronous = NORMAL");
  }
}
