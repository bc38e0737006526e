// The entry point of every bundle: verify, load, run, stop cleanly.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { AnyBlockDefinition, LogText } from "./block.ts";
import { planFor, type BundleApp, type BundleBinding } from "./bundle-app.ts";
import { DATA_FOLDER, loadTrustedKeys, verifyBundle, type BundleProblem } from "./bundle-verify.ts";
import { FollowingClock, VirtualClock, WallClock, type EngineClock } from "./clock.ts";
import { parseDuration } from "./duration.ts";
import { describe, Engine, type LogSink } from "./engine.ts";
import { detectLocale, type Locale } from "./locale.ts";
import { readSecret } from "./secrets.ts";
import { StateDatabase } from "./store.ts";
import { engineMetrics } from "./health/metrics.ts";
import { startHealthServer, type HealthServer } from "./health/server.ts";

export const EXIT = { ok: 0, refused: 1, usage: 2, failed: 3 } as const;

const DEFAULT_TRUST_FOLDER = "/etc/dengta/trusted-keys";

interface RunOptions {
  /** host:port of /healthz and /metrics, or undefined for none. */
  health: { host: string; port: number } | undefined;
  /** Wall milliseconds between status reports, or undefined for none. */
  statusEveryMs: number | undefined;
  clock: "wall" | "virtual" | "follow";
  startMs: number | undefined;
  forMs: number | undefined;
  dataDir: string;
  trustKeys: string[];
  allowUnsigned: boolean;
  json: boolean;
  locale: Locale;
}

const help = {
  en: `Usage: node main.js [options]

Runs this Dengta edge bundle after checking every file against its signed manifest.

Options:
  --clock wall|virtual|follow
                         wall time (default); virtual time that jumps to the next timer; or
                         the sources' own time (a simulator's model time, a recording's time)
  --start <ISO time>     where virtual time starts (default: now)
  --for <duration>       stop after this long, e.g. 30s, 8h (model time on the virtual clock)
  --data <folder>        where the bundle keeps its data (default: <bundle>/data, or $DENGTA_DATA)
  --trust-key <path>     a publisher's public key (.pub) or a folder of them; repeatable
                         (also trusted: $DENGTA_TRUSTED_KEYS and ${DEFAULT_TRUST_FOLDER})
  --allow-unsigned       run a bundle that carries no signature (development only)
  --status-every <ms>    report every node's figures this often (a JSON line with --json)
  --health <host:port>   serve /healthz and /metrics here (default 127.0.0.1:9464; port 0 = any)
  --no-health            serve neither
  --json                 log as JSON lines
  --lang en|zh-CN        language of messages
Exit codes: 0 stopped cleanly, 1 bundle refused, 2 usage error, 3 a block failed to start.`,
  "zh-CN": `用法：node main.js [选项]

先按已签名的清单核对每个文件，再运行本灯塔边缘包。

选项：
  --clock wall|virtual|follow
                         墙上时间（默认）；直接跳到下一个定时器的虚拟时间；或数据源自身的时间
                         （仿真器的模型时间、录制数据的时间）
  --start <ISO 时间>     虚拟时间的起点（默认：当前时间）
  --for <时长>           运行这么久后停止，例如 30s、8h（虚拟时钟下为模型时间）
  --data <目录>          数据存放目录（默认：<包目录>/data，或 $DENGTA_DATA）
  --trust-key <路径>     发布者公钥（.pub）或公钥目录，可重复
                         （另外信任：$DENGTA_TRUSTED_KEYS 与 ${DEFAULT_TRUST_FOLDER}）
  --allow-unsigned       允许运行未签名的包（仅限开发）
  --status-every <毫秒>  每隔这么久报告各节点的统计（配合 --json 输出 JSON 行）
  --health <主机:端口>   在此提供 /healthz 与 /metrics（默认 127.0.0.1:9464；端口 0 表示任意）
  --no-health            不提供健康检查与指标
  --json                 以 JSON 行输出日志
  --lang en|zh-CN        消息语言
退出码：0 正常停止，1 包被拒绝，2 用法错误，3 功能块启动失败。`,
};

/** Called by the compiled entry of a bundle with the blocks compiled into it. */
export async function runBundle(blocks: Readonly<Record<string, AnyBlockDefinition>>, bundleDir: string, argv = process.argv.slice(2)): Promise<number> {
  // Whoever reads our output may go away (a closed pipe); the APP keeps running regardless.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  const options = parseOptions(argv, bundleDir);
  if (typeof options === "number") return options;
  const out = printer(options);
  const problems = checkBundle(bundleDir, options);
  if (problems.length > 0) {
    out.error(options.locale === "zh-CN" ? "拒绝运行该边缘包：" : "refusing to run this bundle:");
    for (const p of problems) out.error(`  - ${p[options.locale]}`);
    return EXIT.refused;
  }
  const app = JSON.parse(readFileSync(join(bundleDir, "app.json"), "utf8")) as BundleApp;
  const binding = JSON.parse(readFileSync(join(bundleDir, "binding.json"), "utf8")) as BundleBinding | null;
  return runApp(app, binding, blocks, options, out);
}

/** An endpoint `simulator: true` is the built-in simulator: where `dengta run` started it, else its default port. */
function resolveSimulator(endpoints: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const url = process.env.DENGTA_SIMULATOR_URL ?? "opc.tcp://127.0.0.1:4840";
  return Object.fromEntries(Object.entries(endpoints).map(([name, e]) => [name, e.simulator === true ? { ...e, url } : e]));
}

function makeClock(options: RunOptions): EngineClock {
  const start = options.startMs ?? Date.now();
  if (options.clock === "virtual") return new VirtualClock(start);
  return options.clock === "follow" ? new FollowingClock(start) : new WallClock();
}

async function runApp(app: BundleApp, binding: BundleBinding | null, blocks: Readonly<Record<string, AnyBlockDefinition>>, options: RunOptions, out: Printer): Promise<number> {
  const clock = makeClock(options);
  out.useClock(clock);
  // Node state shares the embedded database with history and the outbox: one file to back up.
  const states = new StateDatabase(join(options.dataDir, "dengta.db"));
  const site = {
    endpoints: resolveSimulator(binding?.endpoints ?? {}), cameras: binding?.cameras ?? {},
    ...(binding?.calendar ? { calendar: binding.calendar } : {}), ...(binding?.site ? { name: binding.site } : {}),
    secret: (name: string) => readSecret(name),
  };
  const engine = new Engine(planFor(app, binding), blocks, {
    clock, dataDir: options.dataDir, log: out.log, openStore: (id) => states.storeFor(id), site,
  });
  const signal = stopSignal();
  const health = await startHealth(engine, app, options, out);
  const startedAt = clock.now();
  // Unref'd: a status report must not keep a finished APP alive.
  const status = options.statusEveryMs === undefined ? undefined : setInterval(() => out.status(engine, clock.now()), options.statusEveryMs).unref();
  out.info(options.locale === "zh-CN"
    ? `运行 ${app.app.title["zh-CN"]}（${app.app.id} ${app.app.version}）：${app.nodes.length} 个节点，${{ virtual: "虚拟", follow: "跟随数据源的", wall: "墙上" }[options.clock]}时钟`
    : `running ${app.app.title.en} (${app.app.id} ${app.app.version}): ${app.nodes.length} nodes on the ${options.clock} clock`);
  let code: number = EXIT.ok;
  try {
    await engine.start();
    if (clock instanceof FollowingClock) await runFollowing(clock, options, signal);
    else if (clock instanceof VirtualClock) await runVirtual(engine, clock, options, startedAt, signal);
    else await runWall(options, signal);
  } catch (error) {
    out.error(`${options.locale === "zh-CN" ? "功能块启动失败" : "a block failed to start"}: ${describe(error)}`);
    code = EXIT.failed;
  }
  health.stopping = true;
  if (status) clearInterval(status);
  await engine.stop();
  await health.server?.close();
  states.close();
  signal.dispose();
  // On the sources' time, the run began when the first source spoke, not when the process did.
  const began = clock instanceof FollowingClock ? clock.firstSeen ?? clock.now() : startedAt;
  if (code === EXIT.ok) out.summary(engine, clock.now() - began);
  return code;
}

/** Health is a window onto the APP: a busy port is reported, never a reason not to run. */
async function startHealth(engine: Engine, app: BundleApp, options: RunOptions, out: Printer): Promise<{ server?: HealthServer; stopping: boolean }> {
  const state: { server?: HealthServer; stopping: boolean } = { stopping: false };
  if (options.health === undefined) return state;
  const blocks = Object.fromEntries(app.nodes.map((n) => [n.id, n.block]));
  const started = Date.now();
  try {
    state.server = await startHealthServer({
      ...options.health,
      registry: engineMetrics(engine, blocks),
      status: () => ({ status: state.stopping ? "stopping" : "ok", app: `${app.app.id}@${app.app.version}`, uptimeSeconds: (Date.now() - started) / 1000, nodes: app.nodes.length }),
    });
    out.info(options.locale === "zh-CN" ? `健康检查与指标：${state.server.url}/healthz、${state.server.url}/metrics` : `health and metrics: ${state.server.url}/healthz, ${state.server.url}/metrics`, { health: state.server.url });
  } catch (error) {
    out.log("warn", "health", {
      en: `cannot serve health and metrics on ${options.health.host}:${options.health.port}: ${describe(error)}; running without them`,
      "zh-CN": `无法在 ${options.health.host}:${options.health.port} 提供健康检查与指标：${describe(error)}；继续运行，但不提供它们`,
    });
  }
  return state;
}

interface StopSignal {
  received(): boolean;
  wait: Promise<void>;
  dispose(): void;
}

/** SIGTERM or SIGINT asks for a clean stop; further signals while stopping are ignored. */
function stopSignal(): StopSignal {
  let received = false;
  let resolve: () => void = () => {};
  const wait = new Promise<void>((r) => { resolve = r; });
  const handler = () => {
    received = true;
    resolve();
  };
  process.on("SIGTERM", handler).on("SIGINT", handler);
  return { received: () => received, wait, dispose: () => process.off("SIGTERM", handler).off("SIGINT", handler) };
}

/** Fires timers in order and settles all work after each, so a run is the same every time. */
async function runVirtual(engine: Engine, clock: VirtualClock, options: RunOptions, startedAt: number, signal: StopSignal): Promise<void> {
  const until = options.forMs === undefined ? Number.POSITIVE_INFINITY : startedAt + options.forMs;
  await engine.settled();
  while (!signal.received() && clock.fireNext(until)) {
    await engine.settled();
    // Let a pending signal be handled between timers.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (Number.isFinite(until) && !signal.received()) clock.moveTo(until);
}

/** Runs until a signal, the `--for` limit, or until the APP has nothing left to do. */
async function runWall(options: RunOptions, signal: StopSignal): Promise<void> {
  let limit: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    if (options.forMs !== undefined) limit = setTimeout(resolve, options.forMs);
  });
  await untilIdleOr(Promise.race([done, signal.wait]));
  if (limit) clearTimeout(limit);
}

/** On the sources' time, `--for` counts model time: it ends when a source's timestamp passes it. */
async function runFollowing(clock: FollowingClock, options: RunOptions, signal: StopSignal): Promise<void> {
  const done = new Promise<void>((resolve) => {
    if (options.forMs !== undefined) clock.setTimeout(resolve, options.forMs);
  });
  await untilIdleOr(Promise.race([done, signal.wait]));
}

/** beforeExit: nothing keeps the event loop alive, so no timer or socket can bring more work. */
async function untilIdleOr(other: Promise<void>): Promise<void> {
  let onIdle: () => void = () => {};
  const idle = new Promise<void>((resolve) => {
    onIdle = resolve;
    process.once("beforeExit", onIdle);
  });
  await Promise.race([idle, other]);
  process.off("beforeExit", onIdle);
}

function checkBundle(bundleDir: string, options: RunOptions): BundleProblem[] {
  const sources = [...options.trustKeys, ...(process.env.DENGTA_TRUSTED_KEYS ? [process.env.DENGTA_TRUSTED_KEYS] : []), DEFAULT_TRUST_FOLDER];
  const trusted = loadTrustedKeys(sources);
  return [...trusted.problems, ...verifyBundle(bundleDir, { trustedKeys: trusted.keys, allowUnsigned: options.allowUnsigned })];
}

function parseOptions(argv: string[], bundleDir: string): RunOptions | number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        clock: { type: "string", default: "wall" },
        start: { type: "string" },
        for: { type: "string" },
        data: { type: "string" },
        "trust-key": { type: "string", multiple: true, default: [] },
        "allow-unsigned": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        health: { type: "string", default: "127.0.0.1:9464" },
        "status-every": { type: "string" },
        "no-health": { type: "boolean", default: false },
        lang: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (error) {
    return usage(detectLocale(), describe(error));
  }
  const locale = detectLocale(values.lang);
  if (values.help) {
    process.stdout.write(`${help[locale]}\n`);
    return EXIT.ok;
  }
  if (values.clock !== "wall" && values.clock !== "virtual" && values.clock !== "follow") return usage(locale, `--clock ${values.clock}`);
  const startMs = values.start === undefined ? undefined : Date.parse(values.start);
  if (startMs !== undefined && Number.isNaN(startMs)) return usage(locale, `--start ${values.start}`);
  const forMs = values.for === undefined ? undefined : parseDuration(values.for);
  if (values.for !== undefined && forMs === undefined) return usage(locale, `--for ${values.for}`);
  const health = values["no-health"] ? undefined : parseHostPort(values.health);
  if (health === null) return usage(locale, `--health ${values.health}`);
  const statusEveryMs = values["status-every"] === undefined ? undefined : Number(values["status-every"]);
  if (statusEveryMs !== undefined && !(statusEveryMs >= 10)) return usage(locale, `--status-every ${values["status-every"]}`);
  return {
    health, statusEveryMs, clock: values.clock, startMs, forMs, locale,
    dataDir: values.data ?? process.env.DENGTA_DATA ?? join(bundleDir, DATA_FOLDER),
    trustKeys: values["trust-key"], allowUnsigned: values["allow-unsigned"], json: values.json,
  };
}

function parseHostPort(text: string): { host: string; port: number } | null {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  return match && port <= 65535 ? { host: match[1]!.replace(/^\[|\]$/g, ""), port } : null;
}

function usage(locale: Locale, detail: string): number {
  process.stderr.write(locale === "zh-CN" ? `用法错误：${detail}\n（node main.js --help 查看用法）\n` : `usage error: ${detail}\n(node main.js --help shows the options)\n`);
  return EXIT.usage;
}

interface Printer {
  /** Log lines carry the APP's clock time, model time on the virtual clock. */
  useClock(clock: EngineClock): void;
  /** With --json, fields ride along on the line so a reader need not parse the words. */
  info(line: string, fields?: Record<string, unknown>): void;
  error(line: string): void;
  log: LogSink;
  summary(engine: Engine, elapsedMs: number): void;
  status(engine: Engine, now: number): void;
}

function printer(options: RunOptions): Printer {
  const write = (line: string) => process.stdout.write(`${line}\n`);
  const json = (record: Record<string, unknown>) => write(JSON.stringify(record));
  let clock: EngineClock | undefined;
  const time = () => new Date(clock?.now() ?? Date.now()).toISOString();
  const words = (text: LogText) => (typeof text === "string" ? text : text[options.locale]);
  return {
    useClock: (c) => { clock = c; },
    info: (line, fields) => (options.json ? json({ level: "info", message: line, ...fields }) : write(line)),
    error: (line) => (options.json ? json({ level: "error", message: line }) : process.stderr.write(`${line}\n`)),
    log: (level, node, message, fields) => {
      if (options.json) json({ ts: time(), level, node, message: words(message), ...fields });
      else write(`${time()} ${level.toUpperCase().padEnd(5)} ${node}: ${words(message)}${fields ? ` ${JSON.stringify(fields)}` : ""}`);
    },
    status: (engine, now) => {
      const stats = engine.stats();
      if (options.json) return json({ level: "status", ts: new Date(now).toISOString(), stats });
      const figures = Object.entries(stats).map(([id, st]) => `${id} ${st.in}/${st.out}${st.errors ? ` !${st.errors}` : ""}`);
      write(`${new Date(now).toISOString()} ${figures.join("  ")}`);
    },
    summary: (engine, elapsedMs) => {
      const stats = engine.stats();
      if (options.json) {
        json({ level: "info", message: "stopped", elapsedMs, stats });
        return;
      }
      const zh = options.locale === "zh-CN";
      write(zh ? `已停止，运行了 ${(elapsedMs / 1000).toFixed(1)} 秒（时钟时间）` : `stopped after ${(elapsedMs / 1000).toFixed(1)} s of clock time`);
      write(`${(zh ? "节点" : "node").padEnd(16)}${"in".padStart(8)}${"out".padStart(8)}${(zh ? "错误" : "errors").padStart(8)}`);
      for (const [id, s] of Object.entries(stats)) write(`${id.padEnd(16)}${String(s.in).padStart(8)}${String(s.out).padStart(8)}${String(s.errors).padStart(8)}`);
    },
  };
}
