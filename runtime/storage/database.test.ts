import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase, schemaVersion } from "./database.ts";
import { Events } from "./events.ts";

describe("database", () => {
  it("creates the schema once, in WAL mode, and records its version", () => {
    const path = join(mkdtempSync(join(tmpdir(), "dengta-db-")), "data", "dengta.db");
    const db = openDatabase(path);
    expect(schemaVersion(db.sqlite)).toBe(1);
    expect(db.sqlite.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(db.sqlite.prepare("PRAGMA synchronous").get()).toEqual({ synchronous: 1 });
    db.close();
    const again = openDatabase(path);
    expect(schemaVersion(again.sqlite)).toBe(1);
    again.close();
  });

  it("rolls a failed transaction back and refuses to nest one", () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), "dengta-db-")), "dengta.db"));
    const events = new Events(db);
    expect(() => db.transaction(() => {
      db.sqlite.prepare("INSERT INTO events (ts, kind, source, data) VALUES (1, 'k', 's', 'null')").run();
      throw new Error("boom");
    })).toThrow("boom");
    expect(events.query(0, 10)).toEqual([]);
    expect(() => db.transaction(() => db.transaction(() => 1))).toThrow(/do not nest/);
    expect(db.transaction(() => 2, { durable: true })).toBe(2);
    expect(db.sqlite.prepare("PRAGMA synchronous").get()).toEqual({ synchronous: 1 });
    db.close();
  });

  it("refuses a database written by a newer runtime", () => {
    const path = join(mkdtempSync(join(tmpdir(), "dengta-db-")), "dengta.db");
    const db = openDatabase(path);
    db.sqlite.exec("PRAGMA user_version = 99");
    db.close();
    expect(() => openDatabase(path)).toThrow(/newer/);
  });

  it("appends events and reads them back by time and kind", () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), "dengta-db-")), "dengta.db"));
    const events = new Events(db);
    events.append([
      { ts: 1, kind: "alarm", source: "temp", data: { level: "high" } },
      { ts: 2, kind: "state", source: "m1", data: "running" },
      { ts: 3, kind: "alarm", source: "temp", data: null },
    ]);
    expect(events.query(0, 3).map((e) => e.ts)).toEqual([1, 2]);
    expect(events.query(0, 10, { kind: "alarm" })).toEqual([
      { ts: 1, kind: "alarm", source: "temp", data: { level: "high" } },
      { ts: 3, kind: "alarm", source: "temp", data: null },
    ]);
    db.close();
  });
});
