// How `dengta run` shows a running bundle: a live table on a terminal, plain lines otherwise.
import type { NodeStats } from "../runtime/engine.ts";
import type { Locale } from "../runtime/locale.ts";

export interface StatusRecord {
  ts: string;
  stats: Record<string, NodeStats>;
}

interface Previous {
  at: number;
  out: Record<string, number>;
}

/** Messages per second of wall time since the last report, per node. */
export function rates(record: StatusRecord, previous: Previous | undefined, now: number): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [id, s] of Object.entries(record.stats)) {
    const before = previous?.out[id];
    const seconds = previous ? (now - previous.at) / 1000 : 0;
    result[id] = before === undefined || seconds <= 0 ? 0 : (s.out - before) / seconds;
  }
  return result;
}

export function statusTable(record: StatusRecord, perSecond: Record<string, number>, locale: Locale): string[] {
  const zh = locale === "zh-CN";
  const head = zh ? ["节点", "输入", "输出", "速率/秒", "错误", "最新值"] : ["node", "in", "out", "rate/s", "errors", "last value"];
  const rows = Object.entries(record.stats).map(([id, s]) => [
    id, String(s.in), String(s.out), (perSecond[id] ?? 0).toFixed(1), String(s.errors + s.dropped), shorten(s.last),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [`${zh ? "时间" : "time"} ${record.ts}`, line(head), ...rows.map(line)];
}

/** One line for logs and CI: each node's out count. */
export function statusLine(record: StatusRecord): string {
  return `${record.ts} ${Object.entries(record.stats).map(([id, s]) => `${id}=${s.out}`).join(" ")}`;
}

/** A value as short text for a table cell or a label on the canvas. */
export function shorten(value: unknown, max = 40): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Redraws the table in place on a terminal: the cursor goes back up over the last drawing. */
export class LiveTable {
  private drawn = 0;

  constructor(private readonly write: (text: string) => void) {}

  draw(lines: string[]): void {
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : "";
    this.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
    this.drawn = lines.length;
  }

  /** Text printed above the table, e.g. a log line; the table is drawn again below it. */
  above(text: string, lines: string[]): void {
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[0J` : "";
    this.write(`${up}${text}\n`);
    this.drawn = 0;
    if (lines.length > 0) this.draw(lines);
  }
}
