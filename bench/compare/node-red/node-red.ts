/**
 * Node-RED for the comparison benches: installed from this folder's package.json and lock into
 * out/bench-compare/node-red/ (never the project's own dependencies), and started headless as a
 * child process of the same Node as the bench, from a flows file in a fresh user folder.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { dengtaHome } from "../../../core/project-paths.ts";

export interface NodeRedInstall {
  dir: string;
  nodeRedVersion: string;
  opcuaVersion: string;
  /** Disk usage of the install, node_modules included. */
  diskBytes(): number;
}

export interface NodeRedOptions {
  flows: object[];
  /** Serve the editor and admin API at the root; otherwise headless. */
  editor?: boolean;
  /** Added to the child's environment (flows can read them as ${NAME}). */
  env?: Record<string, string>;
}

export interface RunningNodeRed {
  pid: number;
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  /** Every line of stdout and stderr so far. */
  lines: string[];
  /** The first line so far or to come that matches `re`. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  rssMb(): number;
  /** User plus system CPU time of the process so far. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const PACKAGE_FILES = ["package.json", "package-lock.json"] as const;
const STAMP = ".installed-lock-sha256";
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
/** Lines of the log quoted in an error. */
const TAIL_LINES = 20;

// --- install ------------------------------------------------------------------------------------

export async function installNodeRed(): Promise<NodeRedInstall> {
  const source = join(dengtaHome(), "bench", "compare", "node-red");
  const dir = join(dengtaHome(), "out", "bench-compare", "node-red");
  const lockHash = sha256(readFileSync(join(source, "package-lock.json")));
  const stampFile = join(dir, STAMP);
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === lockHash && existsSync(join(dir, "node_modules", "node-red"))) {
    console.log(`Node-RED already installed in ${dir} / Node-RED 已安装在 ${dir}`);
  } else {
    console.log(`installing Node-RED into ${dir} (npm ci) / 正在安装 Node-RED 到 ${dir}（npm ci）`);
    mkdirSync(dir, { recursive: true });
    rmSync(stampFile, { force: true });
    for (const file of PACKAGE_FILES) copyFileSync(join(source, file), join(dir, file));
    await npmCi(dir);
    writeFileSync(stampFile, lockHash);
  }
  return {
    dir,
    nodeRedVersion: installedVersion(dir, "node-red"),
    opcuaVersion: installedVersion(dir, "node-red-contrib-opcua"),
    diskBytes: () => diskUsageBytes(dir),
  };
}

function npmCi(dir: string): Promise<void> {
  const child = spawn("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(chunk.toString());
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), INSTALL_TIMEOUT_MS);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const tail = output.join("").split("\n").slice(-TAIL_LINES).join("\n");
      reject(new Error(`npm ci failed in ${dir} (${signal ?? `exit ${code}`}) / npm ci 在 ${dir} 失败:\n${tail}`));
    });
  });
}

function installedVersion(dir: string, name: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

function diskUsageBytes(dir: string): number {
  const du = spawnSync("du", ["-sk", dir], { encoding: "utf8" });
  const kib = Number.parseInt(du.stdout, 10);
  if (du.status !== 0 || Number.isNaN(kib)) throw new Error(`du failed on ${dir}: ${du.stderr} / du 统计 ${dir} 失败`);
  return kib * 1024;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

// --- start --------------------------------------------------------------------------------------

export async function startNodeRed(install: NodeRedInstall, options: NodeRedOptions): Promise<RunningNodeRed> {
  const userDir = mkdtempSync(join(tmpdir(), "dengta-node-red-"));
  writeFileSync(join(userDir, "flows.json"), JSON.stringify(options.flows));
  writeFileSync(join(userDir, "settings.js"), settingsFile(options.editor === true));
  const child = spawn(
    process.execPath,
    [join(install.dir, "node_modules", "node-red", "red.js"), "--userDir", userDir, "--settings", join(userDir, "settings.js")],
    { cwd: userDir, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const log = new ChildLog(child);
  const running = runningNodeRed(child, log, userDir);
  const giveUp = new AbortController();
  try {
    const [listening] = await Promise.race([
      Promise.all([
        log.waitForLine(/Server now running at http:\/\/[\d.]+:\d+/, START_TIMEOUT_MS, giveUp.signal),
        log.waitForLine(/\] Started flows/, START_TIMEOUT_MS, giveUp.signal),
      ]),
      failOnMissingTypes(log, giveUp.signal),
    ]);
    running.url = /(http:\/\/[\d.]+:\d+)/.exec(listening)![1]!;
    return running;
  } catch (error) {
    await running.stop();
    throw error;
  } finally {
    giveUp.abort();
  }
}

/** Node-RED waits for ever for node types it does not know: fail at once instead. */
async function failOnMissingTypes(log: ChildLog, signal: AbortSignal): Promise<never> {
  try {
    await log.waitForLine(/Waiting for missing types/, START_TIMEOUT_MS, signal);
  } catch {
    return new Promise<never>(() => {}); // no missing types: the other waits decide
  }
  throw new Error(`Node-RED does not know some node types of the flows / Node-RED 不认识流程中的某些节点类型\n${log.tail()}`);
}

/** Loopback only, on a port the system picks; no credential secret prompt, no telemetry, no tours. */
function settingsFile(editor: boolean): string {
  const settings = {
    uiHost: "127.0.0.1",
    uiPort: 0,
    httpAdminRoot: editor ? "/" : false,
    httpNodeRoot: "/",
    flowFile: "flows.json",
    credentialSecret: false,
    logging: { console: { level: "info", metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false },
    runtimeState: { enabled: false, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
  };
  // Function nodes have no process.hrtime nor setImmediate: the chain bench's source and sink need both.
  return `module.exports = ${JSON.stringify(settings, null, 2)};
module.exports.functionGlobalContext = {
  setImmediate,
  hrtimeMs: () => Number(process.hrtime.bigint()) / 1e6,
};
`;
}

function runningNodeRed(child: ChildProcess, log: ChildLog, userDir: string): RunningNodeRed {
  const pid = child.pid!;
  // A bench that exits without stop() (an error, process.exit) leaves no Node-RED nor user folder behind.
  const killOnExit = () => {
    child.kill("SIGKILL");
    rmSync(userDir, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);
  let stopped: Promise<void> | undefined;
  return {
    pid,
    url: "",
    lines: log.lines,
    waitForLine: (re, timeoutMs) => log.waitForLine(re, timeoutMs),
    rssMb: () => vmRssKb(pid) / 1024,
    cpuMs: () => cpuMs(pid),
    stop: () => (stopped ??= stopChild(child, log).finally(() => {
      process.off("exit", killOnExit);
      rmSync(userDir, { recursive: true, force: true });
    })),
  };
}

/** SIGTERM lets Node-RED stop its flows; SIGKILL if it has not exited in time. */
async function stopChild(child: ChildProcess, log: ChildLog): Promise<void> {
  if (log.exited) return;
  child.kill("SIGTERM");
  try {
    await log.waitForExit(STOP_TIMEOUT_MS);
  } catch {
    child.kill("SIGKILL");
    await log.waitForExit(STOP_TIMEOUT_MS);
  }
}

// --- the child's log ----------------------------------------------------------------------------

interface LineWaiter {
  re: RegExp;
  resolve(line: string): void;
}

/** stdout and stderr line by line, and waits on lines or on exit that fail with the log's tail. */
class ChildLog {
  readonly lines: string[] = [];
  exited = false;
  private exitDescription = "";
  private waiters = new Set<LineWaiter>();
  private exitWaiters = new Set<() => void>();

  constructor(child: ChildProcess) {
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on("line", (line) => this.add(line));
    child.once("exit", (code, signal) => {
      this.exited = true;
      this.exitDescription = signal ?? `exit ${code}`;
      for (const done of this.exitWaiters) done();
    });
  }

  /** Settles on the first matching line, seen or to come; fails on timeout, on exit, or when `signal` aborts. */
  waitForLine(re: RegExp, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const seen = this.lines.find((line) => re.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        finish();
        reject(new Error(`Node-RED: no line matching ${re} ${why} / Node-RED 未输出匹配 ${re} 的日志（${why}）\n${this.tail()}`));
      };
      const onExit = () => fail(`before it exited (${this.exitDescription})`);
      const onAbort = () => fail("before the wait was given up");
      const waiter: LineWaiter = { re, resolve: (line) => (finish(), resolve(line)) };
      const timer = setTimeout(() => fail(`within ${timeoutMs} ms`), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        this.exitWaiters.delete(onExit);
        signal?.removeEventListener("abort", onAbort);
      };
      if (this.exited) return onExit();
      if (signal?.aborted) return onAbort();
      this.waiters.add(waiter);
      this.exitWaiters.add(onExit);
      signal?.addEventListener("abort", onAbort);
    });
  }

  waitForExit(timeoutMs: number): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onExit = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => {
        this.exitWaiters.delete(onExit);
        reject(new Error(`Node-RED did not exit within ${timeoutMs} ms / Node-RED 未在 ${timeoutMs} ms 内退出\n${this.tail()}`));
      }, timeoutMs);
      this.exitWaiters.add(onExit);
    });
  }

  private add(line: string): void {
    this.lines.push(line);
    for (const waiter of this.waiters) if (waiter.re.test(line)) waiter.resolve(line);
  }

  tail(): string {
    return `last log lines / 最后的日志:\n${this.lines.slice(-TAIL_LINES).join("\n")}`;
  }
}

// --- /proc --------------------------------------------------------------------------------------

function vmRssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match === null) throw new Error(`no VmRSS for process ${pid} / 进程 ${pid} 没有 VmRSS`);
  return Number(match[1]);
}

let clockTicksPerSecond: number | undefined;

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  clockTicksPerSecond ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;
  return (ticks * 1000) / clockTicksPerSecond;
}
