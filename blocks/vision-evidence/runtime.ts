import { access, mkdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { defineBlock, type BlockContext } from "../../runtime/block.ts";
import { writeAtomically } from "../lib/atomic-file.ts";
import { annotatedPng } from "../lib/vision/annotate.ts";
import { EvidenceIndex, type EvidenceRow } from "../lib/vision/evidence-index.ts";
import { imageInput, isImageValue, summarize } from "../lib/vision/image.ts";
import { isVerdict, type Verdict } from "../lib/vision/verdict.ts";

interface Config {
  maxMb?: number;
  keepPassEvery?: number;
  label?: boolean;
}

interface State {
  folder: string;
  index?: EvidenceIndex;
  used: number;
}

type Ctx = BlockContext<Config, State>;

const MB = 1024 * 1024;

export default defineBlock<Config, State>({
  createState: () => ({ folder: "", used: 0 }),

  start(ctx) {
    ctx.state.folder = ctx.dataDir();
    ctx.state.index = new EvidenceIndex(join(ctx.state.folder, "evidence.sqlite"));
    const usage = ctx.state.index.usage();
    ctx.state.used = usage.passes.bytes + usage.rejects.bytes;
    report(ctx);
  },

  // Always a Promise, also when nothing is saved: a synchronous return after an asynchronous one stalls the engine's queue.
  async onMessage(_port, msg, ctx) {
    if (!isVerdict(msg.value)) {
      ctx.metrics.count("invalid");
      ctx.log.warn({ en: "ignored a message that is not a verdict ({ serial, pass, reasons })", "zh-CN": "忽略了非判定结果的消息（需要 { serial, pass, reasons }）" }, { source: msg.source });
      return;
    }
    const verdict = msg.value;
    if (verdict.pass && !samplePass(ctx)) {
      ctx.metrics.count("passesSkipped");
      return;
    }
    return keep(ctx, verdict, msg.ts);
  },

  stop(ctx) {
    ctx.state.index?.close();
    ctx.state.index = undefined;
  },
});

/** Every keepPassEvery-th pass is kept, the first one included; 0 keeps none. The count survives restarts. */
function samplePass(ctx: Ctx): boolean {
  const every = ctx.config.keepPassEvery ?? 10;
  if (every <= 0) return false;
  const index = ctx.state.index!;
  const seen = index.counter("passes");
  index.setCounter("passes", seen + 1);
  return seen % every === 0;
}

async function keep(ctx: Ctx, verdict: Verdict, ts: number): Promise<void> {
  const time = Number.isFinite(verdict.ts) ? verdict.ts : ts;
  const iso = new Date(time).toISOString();
  const day = iso.slice(0, 10);
  await mkdir(join(ctx.state.folder, day), { recursive: true });
  const stem = await freeStem(join(ctx.state.folder, day), `${iso.slice(11, 23).replaceAll(":", "")}_${safe(verdict.serial) || "no-serial"}_${verdict.pass ? "pass" : "reject"}`);
  const png = await picture(ctx, verdict);
  const files = { png: png ? `${day}/${stem}.png` : "", json: `${day}/${stem}.json` };
  const sidecar = Buffer.from(JSON.stringify(sidecarOf(verdict, files), null, 2) + "\n");
  if (png) await writeAtomically(join(ctx.state.folder, files.png), png);
  await writeAtomically(join(ctx.state.folder, files.json), sidecar);
  const bytes = (png?.length ?? 0) + sidecar.length;
  ctx.state.index!.add({ ts: time, serial: verdict.serial, pass: verdict.pass, png: files.png, json: files.json, bytes });
  ctx.state.used += bytes;
  ctx.metrics.count(verdict.pass ? "passesKept" : "rejectsKept");
  await prune(ctx);
  report(ctx);
  ctx.emit("saved", { serial: verdict.serial, pass: verdict.pass, png: files.png ? join(ctx.state.folder, files.png) : "", json: join(ctx.state.folder, files.json), ts: time }, { ts });
}

async function picture(ctx: Ctx, verdict: Verdict): Promise<Buffer | undefined> {
  if (!isImageValue(verdict.image)) return undefined;
  const input = imageInput(verdict.image)!;
  try {
    return await annotatedPng(input, verdict, ctx.config.label ?? true);
  } catch (error) {
    // An unreadable picture is evidence too: keep the bytes as they came.
    ctx.metrics.count("unannotated");
    ctx.log.warn({ en: `cannot draw on the picture of ${verdict.serial}: ${messageOf(error)}; kept as it came`, "zh-CN": `无法在 ${verdict.serial} 的图像上标注：${messageOf(error)}；按原样保存` });
    return typeof input === "string" ? undefined : input;
  }
}

function sidecarOf(verdict: Verdict, files: { png: string; json: string }): Record<string, unknown> {
  const { image, ...rest } = verdict;
  return { ...rest, ...(isImageValue(image) ? { image: summarize(image) } : {}), evidence: files };
}

/**
 * Over the budget, passes go first, oldest first. Rejects are the evidence that matters: they
 * go only when rejects alone exceed the budget, oldest first, with a warning.
 */
async function prune(ctx: Ctx): Promise<void> {
  const budget = (ctx.config.maxMb ?? 500) * MB;
  if (ctx.state.used <= budget) return;
  const dropped = { pass: 0, reject: 0, rejectFrom: 0, rejectTo: 0 };
  for (const pass of [true, false]) {
    while (ctx.state.used > budget) {
      const rows = ctx.state.index!.oldest(pass, 64);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (ctx.state.used <= budget) break;
        await drop(ctx, row);
        if (pass) dropped.pass++;
        else {
          if (dropped.reject++ === 0) dropped.rejectFrom = row.ts;
          dropped.rejectTo = row.ts;
        }
      }
    }
  }
  ctx.metrics.count("passesPruned", dropped.pass);
  if (dropped.reject > 0) {
    ctx.metrics.count("rejectsPruned", dropped.reject);
    const from = new Date(dropped.rejectFrom).toISOString();
    const to = new Date(dropped.rejectTo).toISOString();
    ctx.log.warn({
      en: `reject evidence alone exceeds the ${ctx.config.maxMb ?? 500} MB budget: deleted the ${dropped.reject} oldest reject(s) (${from} to ${to}); raise maxMb or copy the evidence off the box`,
      "zh-CN": `仅不合格品证据就已超出 ${ctx.config.maxMb ?? 500} MB 的空间预算：已删除最早的 ${dropped.reject} 条不合格记录（${from} 至 ${to}）；请调大 maxMb 或将证据拷出盒子`,
    });
  }
}

async function drop(ctx: Ctx, row: EvidenceRow): Promise<void> {
  for (const file of [row.png, row.json]) {
    if (file) await unlink(join(ctx.state.folder, file)).catch(() => undefined);
  }
  ctx.state.index!.remove(row.id);
  ctx.state.used -= row.bytes;
}

function report(ctx: Ctx): void {
  ctx.metrics.gauge("usedMb", Math.round((ctx.state.used / MB) * 100) / 100);
}

/** The same part judged twice in the same millisecond gets a second name, not an overwritten file. */
async function freeStem(folder: string, stem: string): Promise<string> {
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? stem : `${stem}-${n}`;
    if (!(await exists(join(folder, `${candidate}.json`)))) return candidate;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** A serial as part of a file name: letters, digits, '-', '_' and '.', at most 64. */
function safe(serial: string): string {
  return serial.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "").slice(0, 64);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
