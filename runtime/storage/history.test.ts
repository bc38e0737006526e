import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "./database.ts";
import { History, type HistoryRow } from "./history.ts";

const HOUR = 3_600_000;

function history() {
  return new History(openDatabase(join(mkdtempSync(join(tmpdir(), "dengta-history-")), "dengta.db")));
}

function rows(series: string, count: number, everyMs: number, value: (n: number) => unknown = (n) => n): HistoryRow[] {
  return Array.from({ length: count }, (_, n) => ({ series, ts: n * everyMs, value: value(n), quality: "good" as const }));
}

describe("history", () => {
  it("appends rows and queries a series by time range, oldest first", () => {
    const h = history();
    h.append([...rows("temp", 5, 1000, (n) => ({ c: n })), ...rows("rpm", 3, 1000)]);
    h.append([{ series: "temp", ts: 500, value: null, quality: "bad" }]);
    expect(h.query("temp", 0, 2000)).toEqual([
      { ts: 0, value: { c: 0 }, quality: "good" },
      { ts: 500, value: null, quality: "bad" },
      { ts: 1000, value: { c: 1 }, quality: "good" },
    ]);
    expect(h.query("rpm", 0, Infinity).map((p) => p.value)).toEqual([0, 1, 2]);
    expect(h.size("temp").rows).toBe(6);
  });

  it("deletes rows older than maxAge from that series only", () => {
    const h = history();
    h.append([...rows("temp", 48, HOUR), ...rows("rpm", 48, HOUR)]);
    expect(h.enforce("temp", { maxAgeMs: 24 * HOUR }, 48 * HOUR)).toBe(24);
    expect(h.enforce("temp", { maxAgeMs: 24 * HOUR }, 48 * HOUR)).toBe(0);
    expect(h.query("temp", 0, Infinity)[0]!.ts).toBe(24 * HOUR);
    expect(h.size("temp").rows).toBe(24);
    expect(h.size("rpm").rows).toBe(48);
  });

  it("keeps a series within its byte budget by deleting the oldest rows down to 90%", () => {
    const h = history();
    h.append(rows("temp", 1000, 1000, () => "x".repeat(50)));
    const { bytes } = h.size("temp");
    const perRow = bytes / 1000;
    const deleted = h.enforce("temp", { maxBytes: 500 * perRow }, 0);
    expect(deleted).toBe(550);
    expect(h.size("temp")).toEqual({ rows: 450, bytes: 450 * perRow });
    expect(h.query("temp", 0, Infinity)[0]!.ts).toBe(550_000);
    expect(h.enforce("temp", { maxBytes: 500 * perRow }, 0)).toBe(0);
  });
});
