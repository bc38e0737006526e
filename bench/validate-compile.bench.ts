/**
 * Validating and compiling generated APPs of 50, 500 and 5000 blocks.
 * Run through `npm run bench` (bench/run.mjs), never as a test.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundle } from "../core/bundle/build.ts";
import { generateSigningKey, readSigningKey, type SigningKey } from "../core/bundle/signing.ts";
import { validateApp, type ValidationResult } from "../core/validate.ts";
import { trustedKeyFromPem, verifyBundle, type TrustedKey } from "../runtime/bundle-verify.ts";
import { generateApp, type GeneratedApp } from "./generate-app.ts";
import { median, percentile, retainedHeapMb, round, rssMb, timeRuns, type RunPlan, type Workload } from "./measure.ts";

const SIZES = [50, 500, 5000] as const;
const VALIDATE_TARGET_MS = 50;
const COMPILE_TARGET_MS = 1500;
/** Per-block time at 5000 blocks may be at most this many times that at 50 and at 500 to count as linear. */
const LINEAR_FACTOR = 2;

export interface Signer {
  key: SigningKey;
  trusted: TrustedKey;
}

export async function run(): Promise<Workload[]> {
  const work = mkdtempSync(join(tmpdir(), "dengta-bench-"));
  try {
    const signer = makeSigner(work);
    const apps = SIZES.map((n) => ({ n, app: generateApp(n) }));
    const validated: Workload[] = [];
    for (const { n, app } of apps) validated.push(await benchValidate(n, app));
    const compiled: Workload[] = [];
    for (const { n, app } of apps) compiled.push(await benchCompile(n, app, signer, work));
    return [...withTargets(validated, VALIDATE_TARGET_MS), ...withTargets(compiled, COMPILE_TARGET_MS)];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function makeSigner(work: string): Signer {
  const { keyFile, publicFile } = generateSigningKey(join(work, "keys", "bench"));
  return { key: readSigningKey({ file: keyFile }), trusted: trustedKeyFromPem(readFileSync(publicFile, "utf8"), publicFile) };
}

// --- validate ---------------------------------------------------------------------------------

export async function benchValidate(n: number, app: GeneratedApp): Promise<Workload> {
  const file = `bench-${n}.iapp.yaml`;
  const validate = () => expectClean(validateApp({ file, text: app.text }), file);
  const plan: RunPlan = n >= 5000 ? { warmup: 2, runs: 5 } : { warmup: 5, runs: 20 };
  const times = await timeRuns(validate, plan);
  const heap = await retainedHeapMb(validate);
  return summary(`validate ${n}`, n, app.blocks, times, { heap_mb: heap, rss_mb: rssMb() });
}

function expectClean(result: ValidationResult, file: string): ValidationResult {
  if (result.diagnostics.length > 0 || result.app === undefined) {
    const first = result.diagnostics.slice(0, 5).map((d) => `${d.code}: ${d.message.en}`).join("\n  ");
    throw new Error(`generated ${file} is not clean (${result.diagnostics.length} diagnostics):\n  ${first}`);
  }
  return result;
}

// --- compile ----------------------------------------------------------------------------------

export async function benchCompile(n: number, app: GeneratedApp, signer: Signer, work: string): Promise<Workload> {
  const outDir = join(work, `bundle-${n}`);
  const compile = () => compileOnce(n, app, signer.key, outDir);
  await compile();
  expectVerified(outDir, signer.trusted);
  const times = await timeRuns(compile, n >= 5000 ? { warmup: 0, runs: 3 } : { warmup: 1, runs: 5 });
  return summary(`compile ${n}`, n, app.blocks, times, { rss_mb: rssMb() });
}

async function compileOnce(n: number, app: GeneratedApp, key: SigningKey, outDir: string): Promise<void> {
  const file = `bench-${n}.iapp.yaml`;
  const result = await buildBundle({ app: { file, text: app.text }, outDir, target: "linux-x64", signingKey: key });
  if (result.bundle === undefined || result.diagnostics.length > 0) {
    throw new Error(`compiling ${file} failed: ${result.diagnostics.map((d) => d.code).join(", ")}`);
  }
}

function expectVerified(dir: string, trusted: TrustedKey): void {
  const problems = verifyBundle(dir, { trustedKeys: [trusted] });
  if (problems.length > 0) throw new Error(`the bench bundle in ${dir} does not verify: ${JSON.stringify(problems)}`);
}

// --- results ----------------------------------------------------------------------------------

function summary(name: string, n: number, blocks: number, times: number[], extra: Partial<Workload>): Workload {
  const mid = median(times);
  return {
    name, n, blocks, runs: times.length,
    median_ms: round(mid, 2), p95_ms: round(percentile(times, 95), 2), per_block_ms: round(mid / blocks, 4),
    target: null, met: true, ...extra,
  };
}

/**
 * Smaller sizes must beat the time limit; the largest must show per-block cost that does not grow.
 * Comparing with 500 as well as 50 matters: fixed costs inflate the 50-block per-block time and
 * can hide a quadratic step between 500 and 5000.
 */
function withTargets(workloads: Workload[], limitMs: number): Workload[] {
  const smallest = workloads[0]!;
  const middle = workloads[1]!;
  return workloads.map((w) => {
    if (w.n < 5000) return { ...w, target: `< ${limitMs} ms`, met: w.median_ms < limitMs };
    const vs50 = perBlock(w) / perBlock(smallest);
    const vs500 = perBlock(w) / perBlock(middle);
    return {
      ...w, target: `linear: per-block ≤ ${LINEAR_FACTOR}× n=50 and n=500`, met: Math.max(vs50, vs500) <= LINEAR_FACTOR,
      per_block_ratio_vs_50: round(vs50, 2), per_block_ratio_vs_500: round(vs500, 2),
    };
  });
}

function perBlock(w: Workload): number {
  return w.median_ms / w.blocks;
}
