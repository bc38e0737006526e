import type { BlockStore } from "./block.ts";
import type { DatabaseSync } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Node state kept in the bundle's embedded database (node:sqlite, WAL), opened on first use so
 * that an APP whose blocks keep no state never creates the file.
 */
export class StateDatabase {
  private db: DatabaseSync | undefined;

  constructor(private readonly path: string) {}

  storeFor(nodeId: string): BlockStore {
    const db = this.open();
    const select = db.prepare("SELECT value FROM node_state WHERE node = ? AND key = ?");
    const upsert = db.prepare(
      "INSERT INTO node_state (node, key, value) VALUES (?, ?, ?) ON CONFLICT (node, key) DO UPDATE SET value = excluded.value",
    );
    const remove = db.prepare("DELETE FROM node_state WHERE node = ? AND key = ?");
    // What each key holds on disk: a block that saves the same value again (a counter that did not
    // move) costs no write.
    const written = new Map<string, string>();
    return {
      get<T>(key: string): T | undefined {
        const row = select.get(nodeId, key) as { value: string } | undefined;
        if (row === undefined) return undefined;
        written.set(key, row.value);
        return JSON.parse(row.value) as T;
      },
      set(key, value) {
        const text = JSON.stringify(value);
        if (written.get(key) === text) return;
        upsert.run(nodeId, key, text);
        written.set(key, text);
      },
      delete(key) {
        remove.run(nodeId, key);
        written.delete(key);
      },
    };
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  private open(): DatabaseSync {
    if (this.db !== undefined) return this.db;
    // Loaded on demand: on Node 22 the module prints an experimental warning when first loaded.
    const sqlite = process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite");
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new sqlite.DatabaseSync(this.path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    db.exec("CREATE TABLE IF NOT EXISTS node_state (node TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (node, key))");
    this.db = db;
    return db;
  }
}
