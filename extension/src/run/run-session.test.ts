// A RunSession as the editor starts it: the real CLI's simulator and a real bundle of the oee-line
// sample, on this Node, over loopback.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatusRecord } from "../../../cli/run-status.ts";
import { buildBundle } from "../../../core/bundle/build.ts";
import { RunSession, RunSessionError, type RunExit, type RunHealth, type RunSessionEvents, type RunSessionOptions } from "./run-session.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "dengta-run-session-"));
const bundleDir = join(work, "bundle");
let options: RunSessionOptions;

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs", "--quiet"], { cwd: root });
  const sample = join(root, "samples", "oee-line");
  const result = await buildBundle({
    app: { file: join(sample, "oee-line.iapp.yaml") }, binding: { file: join(sample, "simulator.binding.yaml") }, outDir: bundleDir, target: "linux-x64",
  });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  options = {
    node: { command: process.execPath, env: {} }, cliScript: join(root, "dist", "cli", "dengta.mjs"), bundleDir,
    dataDir: join(work, "data"), pkiDir: join(work, "pki"), speed: 60, seed: 1, locale: "en",
  };
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The next `event` for which `accept` holds. */
function next<E extends keyof RunSessionEvents>(session: RunSession, event: E, accept: (...args: RunSessionEvents[E]) => boolean = () => true): Promise<RunSessionEvents[E][0]> {
  return new Promise((resolve) => {
    const listener = (...args: RunSessionEvents[E]) => {
      if (!accept(...args)) return;
      (session.off as (e: string, l: unknown) => void)(event, listener);
      resolve(args[0]);
    };
    (session.on as (e: string, l: unknown) => void)(event, listener);
  });
}

/** A status record in which some node's `out` is higher than in an earlier record. */
function growth(session: RunSession): Promise<StatusRecord> {
  let first: StatusRecord | undefined;
  return next(session, "status", (record) => {
    first ??= record;
    return Object.entries(record.stats).some(([id, s]) => s.out > (first!.stats[id]?.out ?? 0));
  });
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

function gone(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe("RunSession", () => {
  it("runs the simulator and the APP, reports figures and health, restarts the APP, and stops both", async () => {
    const timersBefore = timers();
    const session = await RunSession.start(options);
    let exits = 0;
    session.on("exit", () => exits++);
    try {
      expect(session.simulatorUrl).toMatch(/^opc\.tcp:\/\//);
      expect(session.healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      await growth(session);
      const health: RunHealth = await next(session, "health");
      expect(health).toMatchObject({ ok: true, status: { status: "ok", app: expect.stringContaining("oee-line@") } });

      const firstApp = session.appPid;
      const simulator = session.simulatorPid;
      await session.restartApp(bundleDir);
      expect(session.appPid).not.toBe(firstApp);
      expect(gone(firstApp)).toBe(true);
      expect(session.simulatorPid).toBe(simulator);
      await growth(session);
      expect(exits).toBe(0);
    } finally {
      const pids = [session.appPid, session.simulatorPid];
      let after = 0;
      for (const event of ["status", "log", "health", "exit"] as const) session.on(event, () => after++);
      await session.stop();
      await session.stop();
      expect(pids.every(gone)).toBe(true);
      // Anything still queued in the children's pipes would surface here.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(after).toBe(0);
      expect(timers()).toBeLessThanOrEqual(timersBefore);
    }
  }, 60_000);

  it("refuses a bundle folder without main.js in both languages, and leaves no simulator behind", async () => {
    const empty = join(work, "empty");
    mkdirSync(empty, { recursive: true });
    const failure = await RunSession.start({ ...options, bundleDir: empty }).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(RunSessionError);
    const { text } = failure as RunSessionError;
    expect(text.en).toContain(join(empty, "main.js"));
    expect(text["zh-CN"]).toContain("不存在");
  }, 60_000);

  it("reports an APP that dies on start with its stderr, in both languages", async () => {
    const broken = join(work, "broken");
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, "main.js"), 'process.stderr.write("cannot open the line\\n"); process.exit(3);\n');
    const failure = await RunSession.start({ ...options, bundleDir: broken }).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(RunSessionError);
    const { text } = failure as RunSessionError;
    expect(text.en).toContain("exited with code 3 before it was ready");
    expect(text.en).toContain("cannot open the line");
    expect(text["zh-CN"]).toContain("退出码 3");
  }, 60_000);

  it("reports a restart onto a bundle without main.js as the APP's exit", async () => {
    const session = await RunSession.start(options);
    try {
      const exit = next(session, "exit");
      await session.restartApp(join(work, "nowhere"));
      const ended: RunExit = await exit;
      expect(ended).toMatchObject({ source: "app", code: null });
      expect(ended.message.en).toContain("does not exist");
      expect(ended.message["zh-CN"]).toContain("不存在");
    } finally {
      await session.stop();
    }
  }, 60_000);

  it("says when the simulator cannot start, with its stderr", async () => {
    const cli = join(work, "failing-cli.mjs");
    writeFileSync(cli, 'process.stderr.write("port in use\\n"); process.exitCode = 1;\n');
    const failure = await RunSession.start({ ...options, cliScript: cli }).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(RunSessionError);
    const { text } = failure as RunSessionError;
    expect(text.en).toContain("The simulator exited with code 1 before it was ready. It wrote:\nport in use");
    expect(text["zh-CN"]).toContain("仿真器在就绪前已退出，退出码 1。其错误输出：\nport in use");
  }, 30_000);

  it("says when the CLI is missing, before starting anything", async () => {
    const failure = await RunSession.start({ ...options, cliScript: join(work, "no-cli.mjs") }).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(RunSessionError);
    expect((failure as RunSessionError).text).toMatchObject({ en: expect.stringContaining("no-cli.mjs does not exist"), "zh-CN": expect.stringContaining("请重新安装灯塔扩展") });
  });
});
