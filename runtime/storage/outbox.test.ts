import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./database.ts";
import { Outbox, type OutboxOptions } from "./outbox.ts";

const opened: Database[] = [];

function open(path = join(mkdtempSync(join(tmpdir(), "dengta-outbox-")), "dengta.db")): Database {
  const db = openDatabase(path);
  opened.push(db);
  return db;
}

afterEach(() => {
  for (const db of opened.splice(0)) if (db.sqlite.isOpen) db.close();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("outbox", () => {
  it("numbers messages from 1, peeks the oldest, acks a prefix", () => {
    const outbox = new Outbox(open(), "q");
    for (let n = 1; n <= 5; n++) expect(outbox.enqueue("t", `m${n}`, 1000 + n)).toEqual({ seq: n, dropped: 0 });
    expect(outbox.peek(2).map((e) => [e.seq, e.topic, text(e.payload), e.ts])).toEqual([[1, "t", "m1", 1001], [2, "t", "m2", 1002]]);
    expect(outbox.peek(2, 3).map((e) => e.seq)).toEqual([4, 5]);
    expect(outbox.ack(2)).toBe(2);
    expect(outbox.ack(2)).toBe(0);
    expect(outbox.peek(10).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(outbox.depth()).toBe(3);
    expect(outbox.bytes()).toBe(3 * ("t".length + "m1".length));
  });

  it("keeps queues apart and sequence numbers rising after the queue empties and the file is reopened", () => {
    const path = join(mkdtempSync(join(tmpdir(), "dengta-outbox-")), "dengta.db");
    const db = open(path);
    const a = new Outbox(db, "a");
    const b = new Outbox(db, "b");
    a.enqueue("t", "a1", 1);
    a.enqueue("t", "a2", 2);
    b.enqueue("t", "b1", 3);
    a.ack(2);
    db.close();
    const again = new Outbox(open(path), "a");
    expect(again.depth()).toBe(0);
    expect(again.enqueue("t", "a3", 4).seq).toBe(3);
    expect(new Outbox(opened.at(-1)!, "b").peek(10).map((e) => text(e.payload))).toEqual(["b1"]);
  });

  it("loses nothing unacknowledged when the process dies without closing the database", () => {
    const path = join(mkdtempSync(join(tmpdir(), "dengta-outbox-")), "dengta.db");
    const first = new Outbox(open(path), "q");
    for (let n = 1; n <= 100; n++) first.enqueue("t", String(n), n);
    first.ack(40);
    // The first connection is never closed: as after kill -9, the next opener finds the WAL as it was left.
    const second = new Outbox(open(path), "q");
    expect(second.peek(1000).map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 41));
    expect(second.stats()).toMatchObject({ depth: 60, lastSeq: 100 });
  });

  it("drop-oldest deletes the oldest messages to stay within budget, and counts them", () => {
    const outbox = new Outbox(open(), "q", { maxBytes: 100, overflow: "drop-oldest" });
    // 1-byte topic + 9-byte payload = 10 bytes each: ten fit.
    for (let n = 1; n <= 10; n++) expect(outbox.enqueue("t", `payload-${n % 10}`, n).dropped).toBe(0);
    expect(outbox.enqueue("t", "payload-x", 11)).toEqual({ seq: 11, dropped: 1 });
    expect(outbox.enqueue("t", "a-payload-three-times-bigger", 12)).toEqual({ seq: 12, dropped: 3 });
    expect(outbox.peek(100).map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(outbox.stats()).toMatchObject({ bytes: 99, depth: 8, dropped: 4, refused: 0 });
    expect(outbox.enqueue("t", "x".repeat(100), 13)).toEqual({ seq: undefined, dropped: 0 });
    expect(outbox.stats()).toMatchObject({ depth: 8, refused: 1 });
  });

  it("refuse-new keeps what is queued and refuses what does not fit, and counts it", () => {
    const options: OutboxOptions = { maxBytes: 30, overflow: "refuse-new" };
    const outbox = new Outbox(open(), "q", options);
    expect(outbox.enqueue("t", "123456789", 1).seq).toBe(1);
    expect(outbox.enqueue("t", "123456789", 2).seq).toBe(2);
    expect(outbox.enqueue("t", "123456789", 3).seq).toBe(3);
    expect(outbox.enqueue("t", "1", 4)).toEqual({ seq: undefined, dropped: 0 });
    outbox.ack(1);
    expect(outbox.enqueue("t", "1", 5).seq).toBe(4);
    expect(outbox.stats()).toMatchObject({ depth: 3, bytes: 22, refused: 1, dropped: 0 });
  });

  it("stores binary payloads as they are", () => {
    const outbox = new Outbox(open(), "q");
    outbox.enqueue("bin", new Uint8Array([0, 255, 7]), 1);
    expect([...outbox.peek(1)[0]!.payload]).toEqual([0, 255, 7]);
  });

  it("enqueues durably at a measurable rate", () => {
    const outbox = new Outbox(open(), "q");
    const count = 500;
    const started = performance.now();
    for (let n = 0; n < count; n++) outbox.enqueue("plant/line1/temp", JSON.stringify({ ts: n, value: 21.5 }), n);
    const perSecond = count / ((performance.now() - started) / 1000);
    console.log(`outbox: ${Math.round(perSecond)} durable enqueues/s (one fsync each)`);
    expect(outbox.depth()).toBe(count);
  });
});
