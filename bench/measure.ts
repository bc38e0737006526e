/** Timing and memory helpers shared by the benches; bench/run.mjs reads the `Workload` shape. */

export interface Workload {
  name: string;
  /** Blocks asked for. */
  n: number;
  /** Blocks actually in the APP (n rounded up to whole chains). */
  blocks: number;
  runs: number;
  median_ms: number;
  p95_ms: number;
  per_block_ms: number;
  /** What the workload must meet, in words; null when it only reports. */
  target: string | null;
  /** False only when a target is set and missed. */
  met: boolean;
  /** Heap still held after the workload, with its result alive (MB). */
  heap_mb?: number;
  /** Resident set size of the process after the workload (MB). */
  rss_mb?: number;
  /** Per-block time divided by the per-block time at a smaller n: near or below 1 means linear. */
  per_block_ratio_vs_50?: number;
  per_block_ratio_vs_500?: number;
}

export interface RunPlan {
  warmup: number;
  runs: number;
}

/** Runs `work` `warmup` times untimed, then `runs` times timed; returns milliseconds. */
export async function timeRuns(work: () => unknown, plan: RunPlan): Promise<number[]> {
  for (let i = 0; i < plan.warmup; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < plan.runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile: with 5 runs, p95 is the slowest run. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * Heap held by what `make` returns, measured around full collections when the runner exposed gc.
 * Differences below the heap's own noise (about 0.1 MB) can come out negative; they count as 0.
 */
export async function retainedHeapMb(make: () => unknown): Promise<number> {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const kept = await make();
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  keepAlive(kept);
  return Math.max(0, toMb(after - before, 2));
}

export function rssMb(): number {
  return toMb(process.memoryUsage().rss, 0);
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Two full collections: the second frees what finalizers of the first released. */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

const retained: unknown[] = [];
/** Stops the engine from dropping `value` before the heap is read. */
function keepAlive(value: unknown): void {
  retained.push(value);
  retained.length = 0;
}

function toMb(bytes: number, digits: number): number {
  return round(bytes / (1024 * 1024), digits);
}
