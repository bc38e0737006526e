import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { StateDatabase } from "./store.ts";

function stored(path: string, key: string): string | undefined {
  const db = new DatabaseSync(path, { readOnly: true });
  const row = db.prepare("SELECT value FROM node_state WHERE node = 'n' AND key = ?").get(key) as { value: string } | undefined;
  db.close();
  return row?.value;
}

describe("StateDatabase", () => {
  it("keeps a node's values across a reopen, and writes a value only when it changed", () => {
    const path = join(mkdtempSync(join(tmpdir(), "dengta-store-")), "dengta.db");
    const first = new StateDatabase(path);
    const store = first.storeFor("n");
    store.set("last", 41);
    // Changed behind the store's back: saving the same value again must not write it back.
    const other = new DatabaseSync(path);
    other.prepare("UPDATE node_state SET value = '7' WHERE node = 'n' AND key = 'last'").run();
    other.close();
    store.set("last", 41);
    expect(stored(path, "last")).toBe("7");
    store.set("last", 42);
    expect(stored(path, "last")).toBe("42");
    store.delete("last");
    store.set("last", 42);
    expect(stored(path, "last")).toBe("42");
    first.close();

    const again = new StateDatabase(path).storeFor("n");
    expect(again.get("last")).toBe(42);
  });
});
