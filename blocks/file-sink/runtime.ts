import { appendFileSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { defineBlock, type BlockContext, type Message } from "../../runtime/block.ts";

interface Config {
  file: string;
  format?: "jsonl" | "csv";
  flushEvery?: number;
}

interface State {
  path: string;
  lines: string[];
}

type Context = BlockContext<Config, State>;

const CSV_HEADER = "ts,source,quality,value\n";

export default defineBlock<Config, State>({
  createState: () => ({ path: "", lines: [] }),

  start(ctx) {
    ctx.state.path = resolveInside(ctx.dataDir(), ctx.config.file);
  },

  onMessage(_port, msg, ctx) {
    const line = (ctx.config.format ?? "jsonl") === "csv" ? csvLine(msg) : jsonLine(msg);
    ctx.state.lines.push(line);
    if (ctx.state.lines.length >= (ctx.config.flushEvery ?? 100)) flush(ctx);
  },

  stop(ctx) {
    flush(ctx);
  },
});

/** The schema already forbids escaping the data folder; this guards configs that skipped it. */
function resolveInside(folder: string, file: string): string {
  const path = resolve(folder, file);
  if (!path.startsWith(resolve(folder) + sep)) throw new Error(`file '${file}' is outside the node's data folder`);
  return path;
}

// Synchronous on purpose: stop() must have everything on disk when it returns, in order.
function flush(ctx: Context): void {
  const { path, lines } = ctx.state;
  if (lines.length === 0) return;
  mkdirSync(dirname(path), { recursive: true });
  const header = ctx.config.format === "csv" && isEmpty(path) ? CSV_HEADER : "";
  appendFileSync(path, header + lines.join(""));
  // Cleared only after a successful write, so a failed append is retried with the next flush.
  ctx.state.lines = [];
  ctx.metrics.count("written", lines.length);
}

function isEmpty(path: string): boolean {
  return (statSync(path, { throwIfNoEntry: false })?.size ?? 0) === 0;
}

function jsonLine(msg: Message): string {
  const record = { ts: new Date(msg.ts).toISOString(), source: msg.source, quality: msg.quality, value: msg.value ?? null };
  return JSON.stringify(record) + "\n";
}

function csvLine(msg: Message): string {
  const fields = [new Date(msg.ts).toISOString(), msg.source, msg.quality, csvValue(msg.value)];
  return fields.map(csvField).join(",") + "\n";
}

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
