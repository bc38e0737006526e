// Child processes of the benches: a bundle run as `node main.js` with its JSON status reports, a
// bare Node process as the floor under any process's memory, and their resident memory.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { NodeStats } from "../runtime/engine.ts";

const children = new Set<ChildProcess>();

/** Notes a child so that stopAllChildren() ends it, whatever happens to the bench. */
export function tracked(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

export function stopAllChildren(): Promise<void[]> {
  return Promise.all([...children].map((child) => stopChild(child)));
}

export interface StatusRecord {
  level: "status";
  stats: Record<string, NodeStats>;
}

export /** The bundle as `node main.js`, with each JSON status report handed to `onStatus` with its arrival time. */
interface BundleRun {
  child: ChildProcess;
  spawnedAt: number;
  /** Resolves with the first status (and its arrival, performance.now()) that `check` accepts. */
  waitStatus(what: string, check: (status: StatusRecord) => boolean, timeoutMs?: number): Promise<{ status: StatusRecord; at: number }>;
  stop(): Promise<void>;
}

export function spawnBundle(bundleDir: string, simulatorUrl: string, dataDir: string, statusEveryMs = 50): BundleRun {
  const args = [
    join(bundleDir, "main.js"), "--allow-unsigned", "--no-health", "--clock", "follow", "--json",
    "--status-every", String(statusEveryMs), "--data", dataDir,
  ];
  const spawnedAt = performance.now();
  const child = tracked(spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DENGTA_SIMULATOR_URL: simulatorUrl } }));
  const waiters = new Set<(status: StatusRecord, at: number) => void>();
  const tail: string[] = [];
  const keep = (line: string) => { tail.push(line); if (tail.length > 10) tail.shift(); };
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const at = performance.now();
    let record: { level?: string };
    try {
      record = JSON.parse(line) as { level?: string };
    } catch {
      return keep(line);
    }
    if (record.level !== "status") return keep(line);
    for (const waiter of [...waiters]) waiter(record as StatusRecord, at);
  });
  createInterface({ input: child.stderr! }).on("line", keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on("exit", () => { exited = true; resolve(); }));
  return {
    child, spawnedAt,
    waitStatus: (what, check, timeoutMs = 60_000) => new Promise((resolve, reject) => {
      const done = () => { clearTimeout(timer); waiters.delete(waiter); };
      const waiter = (status: StatusRecord, at: number) => {
        if (!check(status)) return;
        done();
        resolve({ status, at });
      };
      const timer = setTimeout(() => { done(); reject(new Error(`bundle: no ${what} in ${timeoutMs} ms; last lines:\n${tail.join("\n")}`)); }, timeoutMs);
      waiters.add(waiter);
      void exit.then(() => { if (waiters.has(waiter)) { done(); reject(new Error(`bundle exited before ${what}; last lines:\n${tail.join("\n")}`)); } });
    }),
    stop: () => (exited ? Promise.resolve() : stopChild(child)),
  };
}

/** A Node process that only waits: the floor under any bundle's memory. */
export async function spawnBare(): Promise<ChildProcess> {
  const child = tracked(spawn(process.execPath, ["-e", "process.stdout.write('ready\\n'); setInterval(() => {}, 1 << 30);"], { stdio: ["ignore", "pipe", "ignore"] }));
  await within(new Promise<void>((resolve) => child.stdout!.once("data", () => resolve())), 10_000, () => "bare node did not start");
  return child;
}

export function vmRssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}

/** SIGTERM (the bundle stops cleanly), then SIGKILL after 5 s; resolves when the process is gone. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await gone;
  clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function within<T>(promise: Promise<T>, ms: number, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why())), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
