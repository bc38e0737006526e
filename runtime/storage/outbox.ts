// The store-and-forward queue: messages wait here, in order, until the far side confirms them.
import type { StatementSync } from "node:sqlite";
import type { Database } from "./database.ts";

/**
 * What happens when a message would take the queue over its byte budget:
 * drop-oldest deletes the oldest waiting messages to make room (counted as dropped);
 * refuse-new keeps what is queued and does not store the new message (counted as refused).
 */
export type OutboxOverflow = "drop-oldest" | "refuse-new";

export interface OutboxOptions {
  /** Budget for the queued topics and payloads, in bytes (SQLite's own overhead comes on top). */
  maxBytes: number;
  overflow: OutboxOverflow;
}

export interface OutboxEntry {
  seq: number;
  topic: string;
  payload: Uint8Array;
  ts: number;
}

export interface EnqueueResult {
  /** The message's sequence number; undefined when it was refused. */
  seq: number | undefined;
  /** Older messages deleted to make room for it (drop-oldest). */
  dropped: number;
}

export const DEFAULT_OUTBOX: OutboxOptions = { maxBytes: 256 * 1024 * 1024, overflow: "drop-oldest" };

const encoder = new TextEncoder();

/**
 * One named queue in the bundle's database. Sequence numbers are per queue, start at 1, go up by
 * one per stored message and never repeat, across restarts too: a consumer can see a gap.
 */
export class Outbox {
  private readonly sql: Record<"meta" | "insert" | "counter" | "peek" | "oldest" | "ackRange" | "removeUpTo", StatementSync>;
  private lastSeq: number;
  private queued: { depth: number; bytes: number };
  private dropped = 0;
  private refused = 0;

  constructor(private readonly db: Database, readonly name: string, private readonly options: OutboxOptions = DEFAULT_OUTBOX) {
    const sqlite = db.sqlite;
    this.sql = {
      meta: sqlite.prepare("SELECT last_seq, depth, bytes FROM outbox_queue WHERE queue = ?"),
      insert: sqlite.prepare("INSERT INTO outbox (queue, seq, topic, payload, ts, bytes) VALUES (?, ?, ?, ?, ?, ?)"),
      counter: sqlite.prepare(
        "INSERT INTO outbox_queue (queue, last_seq, depth, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (queue) DO UPDATE SET last_seq = excluded.last_seq, depth = excluded.depth, bytes = excluded.bytes",
      ),
      peek: sqlite.prepare("SELECT seq, topic, payload, ts FROM outbox WHERE queue = ? AND seq > ? ORDER BY seq LIMIT ?"),
      oldest: sqlite.prepare("SELECT seq, bytes FROM outbox WHERE queue = ? ORDER BY seq LIMIT ?"),
      ackRange: sqlite.prepare("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM outbox WHERE queue = ? AND seq <= ?"),
      removeUpTo: sqlite.prepare("DELETE FROM outbox WHERE queue = ? AND seq <= ?"),
    };
    this.lastSeq = 0;
    this.queued = { depth: 0, bytes: 0 };
    this.load();
  }

  /** Stores a message durably (fsynced before this returns) and gives it the next sequence number. */
  enqueue(topic: string, payload: string | Uint8Array, ts: number): EnqueueResult {
    const body = typeof payload === "string" ? encoder.encode(payload) : payload;
    const size = body.byteLength + encoder.encode(topic).byteLength;
    if (!this.hasRoomFor(size)) {
      this.refused++;
      return { seq: undefined, dropped: 0 };
    }
    return this.write(() => {
      const dropped = this.makeRoom(size);
      const seq = this.lastSeq + 1;
      this.sql.insert.run(this.name, seq, topic, body, ts, size);
      this.save(seq, this.queued.depth + 1, this.queued.bytes + size);
      return { seq, dropped };
    }, true);
  }

  /** The oldest `limit` messages with a sequence number above `afterSeq`, in order. */
  peek(limit: number, afterSeq = 0): OutboxEntry[] {
    return this.sql.peek.all(this.name, afterSeq, limit) as unknown as OutboxEntry[];
  }

  /** Deletes every message up to and including `upToSeq`; returns how many went. */
  ack(upToSeq: number): number {
    // Not durable on purpose: an ack lost to a power cut only means the message is sent again.
    return this.write(() => {
      const gone = this.sql.ackRange.get(this.name, upToSeq) as { n: number; bytes: number };
      if (gone.n === 0) return 0;
      this.sql.removeUpTo.run(this.name, upToSeq);
      this.save(this.lastSeq, this.queued.depth - gone.n, this.queued.bytes - gone.bytes);
      return gone.n;
    }, false);
  }

  depth(): number {
    return this.queued.depth;
  }

  bytes(): number {
    return this.queued.bytes;
  }

  /** Counters since this queue was opened. */
  stats(): { depth: number; bytes: number; lastSeq: number; dropped: number; refused: number } {
    return { ...this.queued, lastSeq: this.lastSeq, dropped: this.dropped, refused: this.refused };
  }

  private load(): void {
    const row = this.sql.meta.get(this.name) as { last_seq: number; depth: number; bytes: number } | undefined;
    this.lastSeq = row?.last_seq ?? 0;
    this.queued = { depth: row?.depth ?? 0, bytes: row?.bytes ?? 0 };
  }

  /** A transaction whose failure also puts the in-memory counters back to what is on disk. */
  private write<T>(work: () => T, durable: boolean): T {
    try {
      return this.db.transaction(work, { durable });
    } catch (error) {
      this.load();
      throw error;
    }
  }

  private hasRoomFor(size: number): boolean {
    if (size > this.options.maxBytes) return false;
    return this.options.overflow === "drop-oldest" || this.queued.bytes + size <= this.options.maxBytes;
  }

  /** drop-oldest: deletes the oldest messages until `size` more bytes fit the budget. */
  private makeRoom(size: number): number {
    let excess = this.queued.bytes + size - this.options.maxBytes;
    if (excess <= 0) return 0;
    let upTo = 0;
    let count = 0;
    for (const row of this.sql.oldest.iterate(this.name, this.queued.depth) as Iterable<{ seq: number; bytes: number }>) {
      upTo = row.seq;
      count++;
      excess -= row.bytes;
      if (excess <= 0) break;
    }
    const gone = this.sql.ackRange.get(this.name, upTo) as { n: number; bytes: number };
    this.sql.removeUpTo.run(this.name, upTo);
    this.queued = { depth: this.queued.depth - gone.n, bytes: this.queued.bytes - gone.bytes };
    this.dropped += count;
    return count;
  }

  private save(lastSeq: number, depth: number, bytes: number): void {
    this.sql.counter.run(this.name, lastSeq, depth, bytes);
    this.lastSeq = lastSeq;
    this.queued = { depth, bytes };
  }
}
