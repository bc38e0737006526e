// Runs the real `dengta` CLI and bundles as child processes, the way users do.
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

let built = false;

/** Builds dist/cli once per test file. */
export function buildCli(): void {
  if (built) return;
  execFileSync(process.execPath, ["scripts/build.mjs", "--quiet"], { cwd: root });
  built = true;
}

export function dengta(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  buildCli();
  return spawnSync(process.execPath, [join(root, "bin", "dengta.mjs"), ...args], {
    cwd: options.cwd ?? root, encoding: "utf8", timeout: options.timeoutMs ?? 60_000,
    env: { ...process.env, LANG: "C.UTF-8", LC_ALL: "", DENGTA_LANG: "", ...options.env },
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dengta-${prefix}-`));
}

/**
 * `dengta run <sample> --json …` in a fresh folder, as a user runs a sample on the simulator:
 * the result, and the run's folder (out/run/<app id>: data, simulator-truth.json).
 */
export function runSample(sample: string, args: string[]): { run: SpawnSyncReturns<string>; work: string } {
  const cwd = tempDir("run");
  const app = join(root, "samples", sample, `${sample}.iapp.yaml`);
  const run = dengta(["run", app, ...args, "--json"], { cwd, timeoutMs: 600_000 });
  return { run, work: join(cwd, "out", "run", sample) };
}
