// A real VS Code for extension tests, with no VS Code download: code-server 4.139.1 (= Code 1.139.1,
// installed once per machine by scripts/code-server.mjs into a cache outside the clone) on 127.0.0.1,
// driven by Debian's chromium through playwright-core. The extension host starts only when a browser
// window connects and lives as long as that window does, so a session always has a page open.
//
// In-host suites: the extension under test, when it sees $DENGTA_TEST_RESULTS (inherited by the
// extension host from code-server's environment), runs its bundled mocha suite on activation and
// writes an `InHostResults` JSON file there (write to `<file>.tmp`, then rename). `runInHostSuite`
// waits for that file.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

/** The variable that tells an extension under test to run its suite and where to write results. */
export const RESULTS_ENV = "DENGTA_TEST_RESULTS";
export const CHROMIUM = process.env.DENGTA_CHROMIUM ?? "/usr/bin/chromium";
/** Chromium flags proven on these machines (see /work/shared/ENVIRONMENT.md); playwright adds --headless. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SCREENSHOTS = join(ROOT, "test-results", "screenshots");
const LISTEN_DEADLINE_MS = 30_000;
const WORKBENCH_DEADLINE_MS = 30_000;
const RESULTS_DEADLINE_MS = 45_000;
const STOP_GRACE_MS = 3_000;
const POLL_MS = 25;

export interface VsCodeOptions {
  /** .vsix file(s) installed with `--install-extension` into this session's own extensions folder. */
  vsix: string | string[];
  /** The folder opened in the window. */
  workspace: string;
  /** Merged over the defaults written to the user settings.json. */
  settings?: Record<string, unknown>;
  /** Added to code-server's environment, which the extension host inherits. */
  env?: Record<string, string>;
  /** Leave workspace trust on: the workspace opens in Restricted Mode (extensions without untrusted support stay inactive). */
  restrictedMode?: boolean;
  /** The session's temp folder (created if missing); by default a new one under os.tmpdir(). Removed by stop(). */
  dir?: string;
  /** Screenshot file names start with this (e.g. the test's name). */
  name?: string;
}

export interface VsCode {
  readonly page: Page;
  readonly browser: Browser;
  /** The workbench URL, `?folder=` included. */
  readonly url: string;
  /** The session's temp folder: user data, extensions, XDG folders, TMPDIR. */
  readonly dir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** code-server's pid (its descendants are found through /proc). */
  readonly pid: number;
  /** code-server's output, the browser console, and the extension-host log, for a failing test's message. */
  output(): string;
  /** Saves test-results/screenshots/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Closes the browser, stops code-server and every process below it, removes the temp folder. Idempotent. */
  stop(): Promise<void>;
}

interface CodeServerInstall {
  codeServerBin: string;
  nodeBin: string;
  cache: string;
}

let install: Promise<CodeServerInstall> | undefined;

/** Installs code-server into the machine's cache if needed (≈ 90 s once), else returns at once. */
export function codeServer(): Promise<CodeServerInstall> {
  install ??= (async () => {
    // A variable specifier: TypeScript does not look for declarations of the .mjs script.
    const script = pathToFileURL(join(ROOT, "scripts", "code-server.mjs")).href;
    const mod = (await import(/* @vite-ignore */ script)) as { ensureCodeServer(): Promise<CodeServerInstall> };
    return mod.ensureCodeServer();
  })();
  return install;
}

/** Starts code-server with the extension(s) installed and a chromium window on the workbench. */
export async function startVsCode(options: VsCodeOptions): Promise<VsCode> {
  const { codeServerBin, nodeBin } = await codeServer();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "dengta-vscode-"));
  const userDataDir = join(dir, "user-data");
  const extensionsDir = join(dir, "extensions");
  const xdg = { XDG_CONFIG_HOME: join(dir, "config"), XDG_DATA_HOME: join(dir, "data"), XDG_CACHE_HOME: join(dir, "cache"), XDG_RUNTIME_DIR: join(dir, "run"), TMPDIR: join(dir, "tmp") };
  for (const folder of [userDataDir, join(userDataDir, "User"), extensionsDir, ...Object.values(xdg)]) mkdirSync(folder, { recursive: true, mode: 0o700 });

  const settings = {
    "security.workspace.trust.enabled": options.restrictedMode === true,
    "chat.disableAIFeatures": true,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "extensions.ignoreRecommendations": true,
    "update.mode": "none",
    "telemetry.telemetryLevel": "off",
    "files.autoSave": "off",
    ...options.settings,
  };
  writeFileSync(join(userDataDir, "User", "settings.json"), JSON.stringify(settings, null, 2) + "\n");

  // A marker in the environment of every process of this session: a safety net for the /proc walk
  // (a process that re-parented itself away from code-server still carries it).
  const marker = `DENGTA_VSCODE_SESSION=${dir}`;
  // EXTENSIONS_GALLERY "{}": no marketplace (code-server would query open-vsx.org); tests stay on 127.0.0.1.
  const env: NodeJS.ProcessEnv = { ...process.env, EXTENSIONS_GALLERY: "{}", ...xdg, ...options.env, DENGTA_VSCODE_SESSION: dir };
  env.PATH = [dirname(nodeBin), process.env.PATH ?? ""].join(delimiter);
  // The test runner's own hooks must not leak into code-server's Node, and $PORT would override --bind-addr's port.
  for (const key of Object.keys(env)) if (key === "NODE_OPTIONS" || key === "PORT" || key.startsWith("VITEST_")) delete env[key];

  let log = "";
  const common = ["--user-data-dir", userDataDir, "--extensions-dir", extensionsDir];
  const vsixes = Array.isArray(options.vsix) ? options.vsix : [options.vsix];
  if (vsixes.length > 0) {
    const installed = spawnSync(nodeBin, [codeServerBin, ...common, ...vsixes.flatMap((v) => ["--install-extension", resolve(v)])], { env, encoding: "utf8", timeout: 60_000 });
    log += `$ code-server --install-extension ${vsixes.join(" ")}\n${installed.stdout}${installed.stderr}`;
    if (installed.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`code-server --install-extension failed (${installed.status ?? installed.signal ?? installed.error?.message})\n${log}`);
    }
  }

  // Port 0: code-server prints the port the OS gave it, so there is no race for a port.
  const args = [codeServerBin, ...common, "--auth", "none", "--bind-addr", "127.0.0.1:0", "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", "--ignore-last-opened", resolve(options.workspace)];
  if (options.restrictedMode === true) args.splice(args.indexOf("--disable-workspace-trust"), 1);
  const child = spawn(nodeBin, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const tree = new ProcessTree(child, marker);
  const append = (chunk: Buffer) => (log += chunk.toString());
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);

  let browser: Browser | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await browser?.close().catch(() => undefined);
    await tree.stop();
    if (!process.env.DENGTA_KEEP_VSCODE_DIR) rmSync(dir, { recursive: true, force: true });
  };
  const output = () => `${log}${extensionHostLog(userDataDir)}`;

  try {
    const base = await listeningUrl(child, () => log);
    const url = `${base.replace(/\/$/, "")}/?folder=${encodeURIComponent(resolve(options.workspace))}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, ...xdg } });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Nothing leaves 127.0.0.1: other http(s) requests fail at once (and are listed in the output).
    await context.route(
      (target) => (target.protocol === "http:" || target.protocol === "https:") && target.hostname !== "127.0.0.1" && target.hostname !== "localhost",
      (route) => {
        log += `[browser blocked] ${route.request().url()}\n`;
        return route.abort("blockedbyclient");
      },
    );
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") log += `[browser ${message.type()}] ${message.text()}\n`;
    });
    page.on("pageerror", (error) => (log += `[browser pageerror] ${error.message}\n`));
    await page.goto(url);
    await page.waitForSelector(".monaco-workbench", { timeout: WORKBENCH_DEADLINE_MS });
    const prefix = options.name === undefined ? "" : `${safeName(options.name)}-`;
    return {
      page,
      browser,
      url,
      dir,
      userDataDir,
      extensionsDir,
      pid: child.pid!,
      output,
      screenshot: async (name: string) => {
        mkdirSync(SCREENSHOTS, { recursive: true });
        const file = join(SCREENSHOTS, `${prefix}${safeName(name)}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      stop,
    };
  } catch (error) {
    const text = output();
    await stop();
    throw new Error(`VS Code (code-server) did not come up: ${error instanceof Error ? error.message : String(error)}\n${text}`);
  }
}

/**
 * Packages the extension in `extensionDir` with the project's @vscode/vsce (on the cache's Node 24:
 * vsce 4 needs Node >= 22) and returns the .vsix path. `--no-dependencies`: bundle first.
 */
export async function packageVsix(extensionDir: string, outFile: string, extraArgs: string[] = []): Promise<string> {
  const { nodeBin } = await codeServer();
  const vsce = join(ROOT, "node_modules", "@vscode", "vsce", "vsce");
  const args = [vsce, "package", "--no-dependencies", "--allow-missing-repository", "--out", resolve(outFile), ...extraArgs];
  const result = await new Promise<{ code: number | null; output: string }>((resolvePromise, reject) => {
    const child = spawn(nodeBin, args, { cwd: extensionDir, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolvePromise({ code, output }));
  });
  if (result.code !== 0 || !existsSync(outFile)) throw new Error(`vsce package in ${extensionDir} failed (${result.code})\n${result.output}`);
  return resolve(outFile);
}

/** Pids of processes still alive that were started for the session in `dir` (none, after stop()). */
export function sessionProcesses(dir: string): number[] {
  const marker = `DENGTA_VSCODE_SESSION=${dir}`;
  return [...processTable()]
    .filter(([pid, entry]) => entry.state !== "Z" && pid !== process.pid && environ(pid).includes(marker))
    .map(([pid]) => pid);
}

// ---- in-host suites ----

export interface InHostTest {
  title: string;
  fullTitle?: string;
  /** Milliseconds. */
  duration?: number;
}

export interface InHostFailure extends InHostTest {
  message: string;
  stack?: string;
  /** As mocha reports an assertion error: strings (mocha's JSON reporter stringifies them). */
  expected?: unknown;
  actual?: unknown;
  /** A unified diff of expected vs actual, when the reporter produced one. */
  diff?: string;
}

/** What the extension writes to $DENGTA_TEST_RESULTS (the shape of mocha's JSON reporter, trimmed). */
export interface InHostResults {
  passes: InHostTest[];
  failures: InHostFailure[];
  pending?: InHostTest[];
  stats?: { passes?: number; failures?: number; pending?: number; duration?: number; [key: string]: unknown };
}

export interface InHostSuiteOptions extends VsCodeOptions {
  /** Where the extension writes its results; by default results.json in the session's folder. */
  resultsFile?: string;
  /** How long to wait for the results after the workbench is up. */
  timeoutMs?: number;
}

/**
 * Starts VS Code with $DENGTA_TEST_RESULTS set, waits for the extension to write its results, and
 * returns them with the still-running session (stop it yourself: screenshots and further checks
 * can still use the page). If no results come, the session is stopped and the error carries
 * code-server's output and the extension-host log.
 */
export async function runInHostSuite(options: InHostSuiteOptions): Promise<{ results: InHostResults; vscode: VsCode }> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "dengta-vscode-"));
  const resultsFile = resolve(options.resultsFile ?? join(dir, "results.json"));
  rmSync(resultsFile, { force: true });
  mkdirSync(dirname(resultsFile), { recursive: true });
  const vscode = await startVsCode({ ...options, dir, env: { ...options.env, [RESULTS_ENV]: resultsFile } });
  try {
    const results = await waitForResults(resultsFile, vscode, options.timeoutMs ?? RESULTS_DEADLINE_MS);
    return { results, vscode };
  } catch (error) {
    await vscode.screenshot("no-results").catch(() => undefined);
    const text = vscode.output();
    await vscode.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${text}`);
  }
}

/** Polls until `file` holds a complete results object, code-server exits, or the deadline passes. */
export async function waitForResults(file: string, vscode: Pick<VsCode, "pid">, timeoutMs: number): Promise<InHostResults> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = "";
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      try {
        const parsed = JSON.parse(readFileSync(file, "utf8")) as InHostResults;
        if (Array.isArray(parsed.passes) && Array.isArray(parsed.failures)) return parsed;
        lastProblem = `${file} has no passes/failures arrays`;
      } catch (error) {
        lastProblem = `${file} is not JSON yet: ${String(error)}`; // a writer that did not rename
      }
    }
    if (!alive(vscode.pid)) throw new Error(`code-server exited before the extension wrote ${file}`);
    await delay(POLL_MS * 2);
  }
  throw new Error(`the extension wrote no results to ${file} within ${timeoutMs} ms (did it activate? is workspace trust off?)${lastProblem ? `; ${lastProblem}` : ""}`);
}

// ---- processes ----

/** code-server and everything below it, found through /proc (children outlive code-server otherwise). */
class ProcessTree {
  private readonly known = new Set<number>();
  private readonly onExit = () => this.killNow();

  constructor(
    private readonly child: ChildProcess,
    private readonly marker: string,
  ) {
    if (child.pid !== undefined) this.known.add(child.pid);
    // A test that dies before its afterAll must not leave VS Code running.
    process.once("exit", this.onExit);
  }

  /** Everything alive that belongs to the session now. */
  collect(): number[] {
    const table = processTable();
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, entry] of table) {
        if (this.known.has(pid)) continue;
        if (this.known.has(entry.ppid) || this.carriesMarker(pid)) {
          this.known.add(pid);
          grew = true;
        }
      }
    }
    return [...this.known].filter((pid) => table.get(pid)?.state !== undefined && table.get(pid)?.state !== "Z");
  }

  /** SIGTERM to all, SIGKILL to whatever is left after the grace period; resolves when none is alive. */
  async stop(): Promise<void> {
    process.removeListener("exit", this.onExit);
    const signalled = new Set<number>();
    const deadline = Date.now() + STOP_GRACE_MS;
    for (;;) {
      const living = this.collect();
      if (living.length === 0) return;
      const late = Date.now() > deadline;
      for (const pid of living) {
        if (!late && signalled.has(pid)) continue;
        signalled.add(pid);
        kill(pid, late ? "SIGKILL" : "SIGTERM");
      }
      if (Date.now() > deadline + 5_000) throw new Error(`processes ${living.join(", ")} of code-server ${this.child.pid} survived SIGKILL`);
      await delay(POLL_MS);
    }
  }

  private killNow(): void {
    for (const pid of this.collect()) kill(pid, "SIGKILL");
  }

  private carriesMarker(pid: number): boolean {
    return environ(pid).includes(this.marker);
  }
}

/** pid → parent pid and state, from /proc/<pid>/stat ("pid (comm) state ppid ..."; comm may hold spaces). */
function processTable(): Map<number, { ppid: number; state: string }> {
  const table = new Map<number, { ppid: number; state: string }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.set(Number(name), { ppid: Number(ppid), state: state ?? "" });
    } catch {
      // exited while we looked
    }
  }
  return table;
}

function environ(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
  } catch {
    return []; // gone, or not ours to read
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Resolves with the URL code-server prints once it listens ("HTTP server listening on http://127.0.0.1:PORT/"). */
function listeningUrl(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const check = () => {
      const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/?)/.exec(output());
      if (match?.[1] !== undefined) finish(() => resolvePromise(match[1]!));
    };
    const onExit = (code: number | null, signal: string | null) => finish(() => reject(new Error(`code-server exited with ${code ?? signal} before listening`)));
    const timer = setTimeout(() => finish(() => reject(new Error(`code-server printed no listening address within ${LISTEN_DEADLINE_MS} ms`))), LISTEN_DEADLINE_MS);
    const finish = (then: () => void) => {
      clearTimeout(timer);
      child.stdout!.off("data", check);
      child.stderr!.off("data", check);
      child.off("exit", onExit);
      then();
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once("exit", onExit);
    check();
  });
}

/**
 * The extension host's and the server agent's logs under the user-data folder, and the output
 * channels of extensions that are not built in (exthostN/<publisher.name>/*.log).
 */
function extensionHostLog(userDataDir: string): string {
  const wanted = (folder: string, entry: string) =>
    entry.endsWith(".log") && (/exthost\d*\.log$|^remoteagent\.log$/i.test(entry) || (/[/\\]exthost\d+[/\\][^/\\]+$/.test(folder) && !/[/\\]vscode\.[^/\\]+$/.test(folder)));
  const files: string[] = [];
  const walk = (folder: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry);
      if (depth < 6 && statSync(path, { throwIfNoEntry: false })?.isDirectory()) walk(path, depth + 1);
      else if (wanted(folder, entry)) files.push(path);
    }
  };
  walk(join(userDataDir, "logs"), 0);
  return files
    .map((file) => {
      const text = readFileSync(file, "utf8");
      return text.trim() === "" ? "" : `--- ${file}\n${text.length > 20_000 ? `…${text.slice(-20_000)}` : text}`;
    })
    .join("\n");
}

function safeName(name: string): string {
  return name.replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(/^-+|-+$/g, "") || "screenshot";
}

function delay(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}
