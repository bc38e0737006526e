import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Command } from "commander";
import { buildBundle } from "../../core/bundle/build.ts";
import { UserError } from "../../core/user-error.ts";
import { parseDuration } from "../../runtime/duration.ts";
import { LiveTable, rates, statusLine, statusTable, type StatusRecord } from "../run-status.ts";
import { EXIT, reportDiagnostics, say, type CliContext } from "../output.ts";
import type { SimulatorForRun } from "../run-simulator.ts";
import type { SiteCalendar } from "../../runtime/block.ts";

interface RunFlags {
  binding?: string;
  for?: string;
  speed: string;
  seed: string;
  fault?: string[];
  data?: string;
  trustKey?: string[];
  json?: boolean;
}

export function runCommand(ctx: CliContext): Command {
  const zh = ctx.locale === "zh-CN";
  return new Command("run")
    .description(zh ? "运行边缘包或 APP；绑定指向仿真器时自动启动仿真器" : "run a bundle or an APP; starts the simulator when the binding points at it")
    .argument("<target>", zh ? "边缘包目录或 *.iapp.yaml" : "bundle folder or *.iapp.yaml")
    .option("-b, --binding <file>", zh ? "绑定文件（APP 时使用；默认同目录下唯一的 *.binding.yaml）" : "binding file (for an APP; default: the one *.binding.yaml beside it)")
    .option("--for <duration>", zh ? "运行时长（模型时间），例如 8h；到时正常停止" : "how long to run in model time, e.g. 8h; then a clean stop")
    .option("--speed <n>", zh ? "仿真器速度（模型时间倍数）" : "simulator speed (model time ×n)", "1")
    .option("--seed <n>", zh ? "仿真器随机种子" : "simulator seed", "1")
    .option("--fault <spec...>", zh ? "仿真器故障，例如 m2:overheat@60s" : "simulator faults, e.g. m2:overheat@60s")
    .option("--data <dir>", zh ? "数据目录" : "data folder")
    .option("--trust-key <path...>", zh ? "受信任的发布者公钥" : "trusted publisher keys")
    .option("--json", zh ? "以 JSON 行输出" : "print JSON lines")
    .action(async (target: string, flags: RunFlags) => {
      ctx.jsonLines = true;
      ctx.exitCode = await run(ctx, target, flags);
    });
}

async function run(ctx: CliContext, target: string, flags: RunFlags): Promise<number> {
  const forMs = flags.for === undefined ? undefined : parseDuration(flags.for);
  if (flags.for !== undefined && forMs === undefined) throw new UserError(`--for ${flags.for} is not a duration (e.g. 30s, 8h)`, `--for ${flags.for} 不是时长（例如 30s、8h）`);
  const prepared = await prepareBundle(ctx, target, flags);
  if (prepared === undefined) return EXIT.problems;
  const binding = JSON.parse(readFileSync(join(prepared.dir, "binding.json"), "utf8")) as Record<string, unknown> | null;
  const simulator = needsSimulator(binding) ? await startSimulatorOnDemand(ctx, flags, prepared.workDir, forMs) : undefined;
  try {
    return await runChild(ctx, prepared, flags, forMs, simulator, binding?.calendar as SiteCalendar | undefined);
  } finally {
    await simulator?.stop();
  }
}

/** A binding that has an endpoint `simulator: true`. */
function needsSimulator(binding: Record<string, unknown> | null): boolean {
  const endpoints = (binding?.endpoints ?? {}) as Record<string, { simulator?: boolean }>;
  return Object.values(endpoints).some((e) => e.simulator === true);
}

/** Loaded only when needed: the OPC UA server costs every other command start-up time. */
async function startSimulatorOnDemand(ctx: CliContext, flags: RunFlags, workDir: string, forMs: number | undefined): Promise<SimulatorForRun> {
  const { startSimulatorForRun } = await import("../run-simulator.ts");
  return startSimulatorForRun(ctx, flags, workDir, forMs);
}

interface PreparedBundle {
  dir: string;
  workDir: string;
  signed: boolean;
}

/** A bundle folder as it is; an APP is built first, unsigned, into out/run/<id>. */
async function prepareBundle(ctx: CliContext, target: string, flags: RunFlags): Promise<PreparedBundle | undefined> {
  if (existsSync(target) && statSync(target).isDirectory()) {
    return { dir: resolve(target), workDir: resolve(target), signed: existsSync(join(target, "signature.json")) };
  }
  const binding = flags.binding ?? bindingBeside(target);
  if (binding && !flags.binding) say(ctx, `binding: ${binding}`, `绑定文件：${binding}`);
  const workDir = resolve("out", "run", basename(target).replace(/\.iapp\.yaml$/, ""));
  const dir = join(workDir, "bundle");
  // A run of an APP starts afresh; a bundle folder keeps its data (outbox, history) between runs.
  rmSync(join(workDir, "data"), { recursive: true, force: true });
  rmSync(join(workDir, "simulator-truth.json"), { force: true });
  const result = await buildBundle({ app: { file: target }, ...(binding ? { binding: { file: binding } } : {}), outDir: dir, target: "linux-x64" });
  if (!reportDiagnostics(ctx, result.diagnostics) || !result.bundle) return undefined;
  say(ctx, `built ${dir} (unsigned, for this run only)`, `已生成 ${dir}（未签名，仅用于本次运行）`);
  return { dir, workDir, signed: false };
}

/** The one *.binding.yaml beside an APP, if there is exactly one. */
function bindingBeside(app: string): string | undefined {
  const folder = dirname(app);
  const found = readdirSync(folder).filter((f) => f.endsWith(".binding.yaml"));
  return found.length === 1 ? join(folder, found[0]!) : undefined;
}

async function runChild(
  ctx: CliContext, bundle: PreparedBundle, flags: RunFlags, forMs: number | undefined, simulator: SimulatorForRun | undefined, calendar: SiteCalendar | undefined,
): Promise<number> {
  const args = [
    join(bundle.dir, "main.js"), "--json", "--status-every", "500", "--health", "127.0.0.1:0",
    "--data", flags.data ?? join(bundle.workDir, "data"), "--lang", ctx.locale,
    // On the simulator the APP's clock starts where the held line starts, so blocks that read the
    // time when they start (OEE, cron) see model time from their first moment.
    ...(simulator ? ["--clock", "follow", "--start", new Date(simulator.startTime).toISOString()] : ["--clock", "wall"]),
    // With the simulator, the run ends when the line has stopped at --for and the APP has caught up.
    ...(forMs === undefined || simulator ? [] : ["--for", `${forMs}ms`]),
    ...(bundle.signed ? [] : ["--allow-unsigned"]),
    ...(flags.trustKey ?? []).flatMap((k) => ["--trust-key", k]),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...simulator?.env } });
  const forward = () => child.kill("SIGTERM");
  process.on("SIGINT", forward).on("SIGTERM", forward);
  const view = new RunView(ctx);
  if (simulator) releaseWhenListening(ctx, view, bundle.dir, simulator);
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => view.show(line));
  simulator?.paused.then(() => view.quiet()).then(forward, () => {});
  const code = await new Promise<number>((done) => child.on("exit", (status) => done(status ?? EXIT.internal)));
  process.off("SIGINT", forward).off("SIGTERM", forward);
  view.finish();
  simulator?.report(calendar);
  return code;
}

/** Past this the line starts anyway: a signal bound to a node that never reports must not hold the run. */
const LISTEN_DEADLINE_MS = 30_000;

/**
 * The simulator's line waits at its start time until every subscription of the APP has delivered
 * its first value, so the APP sees the run from its first second (a shift's OEE from its start).
 */
function releaseWhenListening(ctx: CliContext, view: RunView, bundleDir: string, simulator: SimulatorForRun): void {
  const app = JSON.parse(readFileSync(join(bundleDir, "app.json"), "utf8")) as { nodes: Array<{ id: string; block: string; config?: { edge?: string } }> };
  const listeners = app.nodes.filter((n) => n.block.startsWith("dengta.opcua.subscribe@") && (n.config?.edge ?? "any") === "any").map((n) => n.id);
  const deadline = setTimeout(() => {
    say(ctx, "simulator: not every signal reported within 30 s; starting the line anyway", "仿真器：30 秒内并非所有信号都已上报；仍然启动产线");
    simulator.release();
  }, LISTEN_DEADLINE_MS).unref();
  view.onStatus((record) => {
    if (!listeners.every((id) => (record.stats[id]?.out ?? 0) > 0)) return false;
    clearTimeout(deadline);
    simulator.release();
    return true;
  });
}

/** Turns the bundle's JSON lines into what a person or a tool wants to see. */
class RunView {
  private readonly live: LiveTable | undefined;
  private previous: { at: number; out: Record<string, number> } | undefined;
  private lastPlain = 0;
  private table: string[] = [];
  private listeners: Array<(record: StatusRecord) => boolean> = [];

  constructor(private readonly ctx: CliContext) {
    this.live = !ctx.json && process.stdout.isTTY ? new LiveTable((t) => process.stdout.write(t)) : undefined;
  }

  show(line: string): void {
    let record: { level?: string; message?: string; node?: string; ts?: string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      // A library writing to stdout on its own: still one JSON record per line for tools.
      if (this.ctx.json) return void process.stdout.write(`${JSON.stringify({ level: "info", message: line })}\n`);
      return this.text(line);
    }
    if (record.level === "status") this.status(record as unknown as StatusRecord);
    if (this.ctx.json) return void process.stdout.write(`${line}\n`);
    if (record.level === "status") return;
    if (record.message === "stopped") return;
    this.text(`${record.ts ?? ""} ${(record.level ?? "").toUpperCase().padEnd(5)} ${record.node ? `${record.node}: ` : ""}${record.message ?? line}`.trim());
  }

  /** Calls `listener` with each status report until it returns true. */
  onStatus(listener: (record: StatusRecord) => boolean): void {
    this.listeners.push(listener);
  }

  /** Resolves once two status reports in a row show no node sending anything new. */
  quiet(): Promise<void> {
    return new Promise((resolve) => {
      let last: string | undefined;
      this.onStatus((record) => {
        const outs = JSON.stringify(Object.values(record.stats).map((s) => s.out));
        const same = outs === last;
        last = outs;
        if (same) resolve();
        return same;
      });
    });
  }

  finish(): void {
    if (this.table.length > 0 && !this.live && !this.ctx.json) process.stdout.write(`${this.table.join("\n")}\n`);
  }

  private status(record: StatusRecord): void {
    const now = Date.now();
    this.listeners = this.listeners.filter((listener) => !listener(record));
    this.table = statusTable(record, rates(record, this.previous, now), this.ctx.locale);
    this.previous = { at: now, out: Object.fromEntries(Object.entries(record.stats).map(([id, s]) => [id, s.out])) };
    if (this.ctx.json) return;
    if (this.live) return this.live.draw(this.table);
    // Without a terminal: a plain progress line every few seconds, for logs and CI.
    if (now - this.lastPlain >= 5000) {
      this.lastPlain = now;
      process.stdout.write(`${statusLine(record)}\n`);
    }
  }

  private text(line: string): void {
    if (this.live) this.live.above(line, this.table);
    else process.stdout.write(`${line}\n`);
  }
}
