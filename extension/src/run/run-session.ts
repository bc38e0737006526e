// One run of an APP on the built-in simulator, as two child processes on the Node that findNode
// chose: the simulator (`dengta sim`) and the APP's bundle (`main.js`). It reads their JSON lines
// and turns them into events; it knows nothing of VS Code, so a unit test drives it as the editor does.
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { StatusRecord } from "../../../cli/run-status.ts";
import { text, type Text } from "../../../runtime/opcua/text.ts";

export type RunSource = "simulator" | "app";
export type RunLocale = "en" | "zh-CN";

export interface RunSessionOptions {
  node: { command: string; env: Record<string, string> };
  /** The dengta CLI (dist/dengta-cli.mjs in the extension, dist/cli/dengta.mjs in the repo). */
  cliScript: string;
  /** A built bundle: the folder holding main.js. */
  bundleDir: string;
  dataDir: string;
  /** Where the simulator keeps its certificate between runs. */
  pkiDir: string;
  speed: number;
  seed: number;
  locale: RunLocale;
  /** More environment for the APP only, e.g. DENGTA_SECRET_<NAME> for the passwords its binding names. */
  appEnv?: Record<string, string>;
}

export interface RunLog {
  source: RunSource;
  level: string;
  text: string;
}

export interface RunHealth {
  ok: boolean;
  /** What /healthz answered, when it answered with JSON. */
  status?: Record<string, unknown>;
}

export interface RunExit {
  source: RunSource;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the process wrote to stderr, and its last error lines on stdout: why it ended, most often. */
  stderrTail: string;
  message: Text;
}

export interface RunSessionEvents {
  status: [record: StatusRecord];
  log: [line: RunLog];
  health: [health: RunHealth];
  /** A child ended on its own (not through stop() or restartApp()); the other one keeps running. */
  exit: [exit: RunExit];
}

/** Thrown by RunSession.start: `text` holds the reason in both languages. */
export class RunSessionError extends Error {
  constructor(readonly text: Text) {
    super(`${text.en} / ${text["zh-CN"]}`);
  }
}

const STARTUP_TIMEOUT_MS = 60_000;
const KILL_AFTER_MS = 5000;
const HEALTH_EVERY_MS = 2000;
const HEALTH_TIMEOUT_MS = 1000;
const STATUS_EVERY_MS = 500;
const STDERR_TAIL_CHARS = 4000;

export class RunSession extends EventEmitter<RunSessionEvents> {
  private app: Child;
  private stopping: Promise<void> | undefined;
  /** restartApp calls run one after another. */
  private restarting: Promise<void> = Promise.resolve();
  private health: HealthPoll | undefined;
  private appHealthUrl: string | undefined;

  private constructor(
    private readonly options: RunSessionOptions,
    private readonly simulator: Child,
    readonly simulatorUrl: string,
    app: Child,
    /** Events held until the caller of start() can listen; undefined once passed on. */
    private early: Array<[keyof RunSessionEvents, unknown]> | undefined,
  ) {
    super();
    this.app = app;
  }

  /**
   * Starts the simulator, then the APP against it; resolves when the APP serves its health or
   * reports its figures. Rejects with a RunSessionError, both children gone, when either cannot start.
   */
  static async start(options: RunSessionOptions): Promise<RunSession> {
    const early: Array<[keyof RunSessionEvents, unknown]> = [];
    let session: RunSession | undefined;
    // Lines that arrive before the caller can listen are passed on once it can.
    const emit = (event: keyof RunSessionEvents, value: unknown) => {
      if (session) session.forward(event, value);
      else early.push([event, value]);
    };
    // Before the simulator: a bundle that is not there needs no line to fail on.
    checkBundle(options.bundleDir);
    if (!existsSync(options.cliScript)) {
      throw new RunSessionError(text(
        `Cannot start the simulator: ${options.cliScript} does not exist. Reinstall the Dengta extension.`,
        `无法启动仿真器：${options.cliScript} 不存在。请重新安装灯塔扩展。`,
      ));
    }
    const simulator = startSimulator(options, emit);
    let simulatorUrl: string;
    try {
      simulatorUrl = await simulator.ready;
    } catch (error) {
      await simulator.terminate();
      throw error;
    }
    let app: Child | undefined;
    try {
      app = startApp(options, options.bundleDir, simulatorUrl, emit);
      await app.ready;
    } catch (error) {
      await Promise.all([simulator.terminate(), app?.terminate()]);
      throw error;
    }
    session = new RunSession(options, simulator, simulatorUrl, app, early);
    session.watch(simulator);
    session.watch(app);
    session.pollHealth(app.healthUrl);
    // After the code awaiting start() has run and added its listeners.
    setImmediate(() => session.flush());
    return session;
  }

  /** The APP's health server, e.g. http://127.0.0.1:38211 (undefined when it could not serve one). */
  get healthUrl(): string | undefined {
    return this.appHealthUrl;
  }

  get appPid(): number | undefined {
    return this.app.process.pid;
  }

  get simulatorPid(): number | undefined {
    return this.simulator.process.pid;
  }

  /**
   * Stops the APP and starts it again from `bundleDir` against the same simulator; resolves when
   * the new APP is up. Never rejects: an APP that cannot start is reported as an `exit` event.
   */
  restartApp(bundleDir: string): Promise<void> {
    this.restarting = this.restarting.then(() => this.replaceApp(bundleDir));
    return this.restarting;
  }

  /** SIGTERM to both children, SIGKILL to one still there after 5 s; no events after this is called. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.health?.stop();
      await Promise.all([this.app.terminate(), this.simulator.terminate()]);
      // A restart under way may have started an APP after the one just stopped.
      await this.restarting;
      await this.app.terminate();
    })();
    return this.stopping;
  }

  private async replaceApp(bundleDir: string): Promise<void> {
    if (this.stopping) return;
    this.health?.stop();
    this.appHealthUrl = undefined;
    await this.app.terminate();
    if (this.stopping) return;
    const emit = (event: keyof RunSessionEvents, value: unknown) => this.forward(event, value);
    let app: Child;
    try {
      app = startApp(this.options, bundleDir, this.simulatorUrl, emit);
    } catch (error) {
      this.forward("exit", { source: "app", code: null, signal: null, stderrTail: "", message: reason(error) });
      return;
    }
    this.app = app;
    try {
      await app.ready;
    } catch (error) {
      const end = await app.terminate();
      this.forward("exit", { source: "app", code: end.code, signal: end.signal, stderrTail: app.stderrTail(), message: reason(error) });
      return;
    }
    if (this.stopping) return;
    this.watch(app);
    this.pollHealth(app.healthUrl);
  }

  /** Reports a child that ends while it is meant to run. */
  private watch(child: Child): void {
    void child.ended.then((end) => {
      if (child.terminating || this.stopping) return;
      if (child.source === "app") this.health?.stop();
      this.forward("exit", { source: child.source, code: end.code, signal: end.signal, stderrTail: child.stderrTail(), message: endedMessage(child.source, end) });
    });
  }

  private pollHealth(url: string | undefined): void {
    this.appHealthUrl = url;
    if (url === undefined) return;
    this.health = new HealthPoll(`${url}/healthz`, (health) => this.forward("health", health));
  }

  private forward(event: keyof RunSessionEvents, value: unknown): void {
    if (this.stopping) return;
    if (this.early) this.early.push([event, value]);
    else (this.emit as (event: string, value: unknown) => boolean)(event, value);
  }

  private flush(): void {
    const early = this.early ?? [];
    this.early = undefined;
    for (const [event, value] of early) this.forward(event, value);
  }
}

function reason(error: unknown): Text {
  if (error instanceof RunSessionError) return error.text;
  const words = error instanceof Error ? error.message : String(error);
  return text(words, words);
}

type Emit = (event: keyof RunSessionEvents, value: unknown) => void;

function startSimulator(options: RunSessionOptions, emit: Emit): Child {
  const args = [
    options.cliScript, "--lang", options.locale, "sim", "--port", "0", "--json",
    "--speed", String(options.speed), "--seed", String(options.seed), "--pki", options.pkiDir,
  ];
  const child = new Child("simulator", options.node.command, args, options.node.env, emit);
  child.expect((record) => (record.event === "started" && typeof record.endpointUrl === "string" ? record.endpointUrl : undefined));
  return child;
}

function checkBundle(bundleDir: string): string {
  const main = join(bundleDir, "main.js");
  if (existsSync(main)) return main;
  throw new RunSessionError(text(
    `Cannot start the APP: ${main} does not exist. Build the APP again.`,
    `无法启动 APP：${main} 不存在。请重新编译 APP。`,
  ));
}

function startApp(options: RunSessionOptions, bundleDir: string, simulatorUrl: string, emit: Emit): Child {
  const main = checkBundle(bundleDir);
  const args = [
    main, "--json", "--status-every", String(STATUS_EVERY_MS), "--health", "127.0.0.1:0", "--allow-unsigned",
    "--data", options.dataDir, "--lang", options.locale, "--clock", "wall",
  ];
  const child = new Child("app", options.node.command, args, { ...options.node.env, ...options.appEnv, DENGTA_SIMULATOR_URL: simulatorUrl }, emit);
  // Up when it serves its health, or, without one, when it reports its figures.
  child.expect((record) => {
    if (typeof record.health === "string") return (child.healthUrl = record.health);
    return record.level === "status" ? "" : undefined;
  });
  return child;
}

interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: Error;
}

type Expectation = (record: Record<string, unknown>) => string | undefined;

/** A child process with piped output, read line by line; never through a shell. */
class Child {
  readonly process: ChildProcess;
  /** Resolves when the process has ended and its output is read (or it never started). */
  readonly ended: Promise<ChildEnd>;
  /** Resolves with what `expect` picked from the first line it accepted. */
  ready: Promise<string> = Promise.resolve("");
  healthUrl: string | undefined;
  /** Set once terminate() was called: its end is wanted, not news. */
  terminating = false;
  private stderr = "";
  private expectation: { pick: Expectation; resolve: (value: string) => void } | undefined;
  private finished = false;
  private termination: Promise<ChildEnd> | undefined;

  constructor(readonly source: RunSource, command: string, args: string[], env: Record<string, string>, private readonly emit: Emit) {
    this.process = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env }, windowsHide: true });
    this.ended = new Promise((resolve) => {
      this.process.once("error", (error) => {
        // Only a process that never started ends here; a kill that fails is not an end.
        if (this.process.pid === undefined) resolve({ code: null, signal: null, error });
      });
      this.process.once("close", (code, signal) => resolve({ code, signal }));
    });
    void this.ended.then(() => { this.finished = true; });
    createInterface({ input: this.process.stdout! }).on("line", (line) => this.stdoutLine(line));
    createInterface({ input: this.process.stderr! }).on("line", (line) => {
      this.keep(line);
      this.emit("log", { source: this.source, level: "error", text: line } satisfies RunLog);
    });
  }

  /** `ready` resolves with the first line `pick` accepts; rejects if the process ends or takes 60 s. */
  expect(pick: Expectation): void {
    this.ready = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RunSessionError(notReadyMessage(this.source, this.stderrTail(), undefined))), STARTUP_TIMEOUT_MS);
      const done = (value: string) => { clearTimeout(timer); this.expectation = undefined; resolve(value); };
      this.expectation = { pick, resolve: done };
      void this.ended.then((end) => {
        if (!this.expectation) return;
        clearTimeout(timer);
        this.expectation = undefined;
        reject(new RunSessionError(notReadyMessage(this.source, this.stderrTail(), end)));
      });
    });
    // Whoever awaits `ready` sees the rejection; this keeps an unawaited one from being reported as unhandled.
    this.ready.catch(() => {});
  }

  /** With --json a child prints its errors on stdout: those belong in the tail too. */
  private keep(line: string): void {
    this.stderr = `${this.stderr}${line}\n`.slice(-STDERR_TAIL_CHARS);
  }

  stderrTail(): string {
    return this.stderr.trimEnd();
  }

  /** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
  terminate(): Promise<ChildEnd> {
    this.terminating = true;
    if (this.termination) return this.termination;
    if (this.finished) return (this.termination = this.ended);
    this.termination = new Promise((resolve) => {
      this.process.kill("SIGTERM");
      const timer = setTimeout(() => this.process.kill("SIGKILL"), KILL_AFTER_MS);
      void this.ended.then((end) => { clearTimeout(timer); resolve(end); });
    });
    return this.termination;
  }

  private stdoutLine(line: string): void {
    if (line.trim() === "") return;
    let record: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a record");
      record = parsed as Record<string, unknown>;
    } catch {
      this.emit("log", { source: this.source, level: "info", text: line } satisfies RunLog);
      return;
    }
    if (this.expectation) {
      const value = this.expectation.pick(record);
      if (value !== undefined) this.expectation.resolve(value);
    }
    if (record.level === "status" && typeof record.stats === "object" && record.stats !== null) {
      this.emit("status", record as unknown as StatusRecord);
      return;
    }
    const level = typeof record.level === "string" ? record.level : "info";
    const words = describeRecord(record, line);
    if (level === "error" || level === "fatal") this.keep(words);
    this.emit("log", { source: this.source, level, text: words } satisfies RunLog);
  }
}

/** An APP's log line as a person reads it: "node: message", with any other fields after it. */
function describeRecord(record: Record<string, unknown>, line: string): string {
  if (typeof record.message !== "string") return line;
  // The health URL is in the message already.
  const { ts: _ts, level: _level, node, message, stats: _stats, health: _health, ...rest } = record;
  const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
  return `${typeof node === "string" ? `${node}: ` : ""}${message}${fields}`;
}

/** GET <url> every 2 s (1 s to answer), one request at a time, until stopped. */
class HealthPoll {
  private timer: NodeJS.Timeout | undefined;
  private request: ReturnType<typeof get> | undefined;
  private stopped = false;

  constructor(private readonly url: string, private readonly report: (health: RunHealth) => void) {
    this.poll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.request?.destroy();
  }

  private poll(): void {
    this.ask().then((health) => {
      this.request = undefined;
      if (this.stopped) return;
      this.report(health);
      this.timer = setTimeout(() => this.poll(), HEALTH_EVERY_MS);
    }, () => {});
  }

  private ask(): Promise<RunHealth> {
    return new Promise((resolve) => {
      const request = get(this.url, { timeout: HEALTH_TIMEOUT_MS }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => { body += chunk; });
        response.on("end", () => resolve({ ok: response.statusCode === 200, ...parseStatus(body) }));
        response.on("error", () => resolve({ ok: false }));
      });
      request.on("timeout", () => request.destroy(new Error("timeout")));
      request.on("error", () => resolve({ ok: false }));
      this.request = request;
    });
  }
}

function parseStatus(body: string): { status?: Record<string, unknown> } {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? { status: value as Record<string, unknown> } : {};
  } catch {
    return {};
  }
}

const WHO: Record<RunSource, Text> = { simulator: text("The simulator", "仿真器"), app: text("The APP", "APP") };

function howItEnded(end: ChildEnd): Text {
  if (end.error) return text(`could not be started (${end.error.message})`, `无法启动（${end.error.message}）`);
  if (end.signal) return text(`was ended by signal ${end.signal}`, `被信号 ${end.signal} 终止`);
  return text(`exited with code ${end.code}`, `已退出，退出码 ${end.code}`);
}

function endedMessage(source: RunSource, end: ChildEnd): Text {
  const how = howItEnded(end);
  return text(`${WHO[source].en} ${how.en}.`, `${WHO[source]["zh-CN"]}${how["zh-CN"]}。`);
}

function notReadyMessage(source: RunSource, stderrTail: string, end: ChildEnd | undefined): Text {
  const what = end === undefined
    ? text(`${WHO[source].en} did not start within ${STARTUP_TIMEOUT_MS / 1000} s.`, `${WHO[source]["zh-CN"]}未能在 ${STARTUP_TIMEOUT_MS / 1000} 秒内启动。`)
    : (() => {
      const how = howItEnded(end);
      return text(`${WHO[source].en} ${how.en} before it was ready.`, `${WHO[source]["zh-CN"]}在就绪前${how["zh-CN"]}。`);
    })();
  if (stderrTail === "") return what;
  return text(`${what.en} It wrote:\n${stderrTail}`, `${what["zh-CN"]}其错误输出：\n${stderrTail}`);
}
