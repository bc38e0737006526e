/**
 * dengta.vision.onnx on the simulator's 640×480 picture, through the block in the engine: its
 * preprocess (decode + resize + normalise) and inference times as the verdict's `measurements`
 * give them, and the main thread's event-loop delay meanwhile (the session runs on a worker
 * thread). Models from blocks/vision-onnx/test-models.ts: a classifier and a detector whose own
 * work is tiny (their inference time is mostly the hand-over to the worker), and a slow one
 * (6.4 GFLOP of MatMul), also run with session.run() on the main thread for comparison.
 * No targets: it reports. Run through `npm run bench`, never as a test.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import * as ort from "onnxruntime-node";
import { runInHarness } from "../test/harness.ts";
import type { ImageValue } from "../blocks/lib/vision/image.ts";
import visionOnnx, { type Verdict } from "../blocks/vision-onnx/runtime.ts";
import { writeBrightnessClassifier, writeConstantDetector, writeSlowClassifier } from "../blocks/vision-onnx/test-models.ts";
import { Camera } from "../simulator/camera/image.ts";
import { median, percentile, round, rssMb, type Workload } from "./measure.ts";

type IntervalHistogram = ReturnType<typeof monitorEventLoopDelay>;

const PLAN = { warmup: 5, runs: 30 };
const SLOW = { size: 512, steps: 24 };
const LABELS = [
  { id: "ok", en: "OK", "zh-CN": "合格" },
  { id: "defect", en: "Defect", "zh-CN": "缺陷" },
];

interface Model {
  title: string;
  config: Record<string, unknown>;
}

export async function run(): Promise<Workload[]> {
  const dir = mkdtempSync(join(tmpdir(), "dengta-bench-onnx-"));
  const png = await new Camera(3).picture({ serial: "M3-000001", time: 0, defect: "spots" });
  const image: ImageValue = { png, width: 640, height: 480, serial: "M3-000001", ts: 0, camera: "main" };
  const slowFile = writeSlowClassifier(join(dir, "slow.onnx"), SLOW.size, SLOW.steps);
  const models: Model[] = [
    {
      title: "classifier 224×224 gray",
      config: { model: writeBrightnessClassifier(join(dir, "classifier.onnx"), 224, 224), task: "classification", labels: LABELS },
    },
    {
      title: "detector 320×320 RGB",
      config: { model: writeConstantDetector(join(dir, "detector.onnx"), [[10, 10, 50, 50, 0.9, 1]], 320), task: "detection", labels: LABELS },
    },
    {
      title: `slow model ${SLOW.size}×${SLOW.size} gray, ${SLOW.steps} MatMul`,
      config: { model: slowFile, task: "classification", labels: LABELS },
    },
  ];
  const workloads: Workload[] = [];
  for (const model of models) workloads.push(...await throughBlock(model, image));
  workloads.push(await onMainThread(slowFile));
  return workloads;
}

/** Each picture sent alone and decided before the next: the times of one inspection. */
async function throughBlock(model: Model, image: ImageValue): Promise<Workload[]> {
  const run = await runInHarness({
    nodes: { inspect: { block: visionOnnx, config: { threads: 1, ...model.config }, outputs: ["verdict"] } },
    capture: ["inspect.verdict"],
    inject: ["inspect.image"],
  });
  const inspectOnce = async () => {
    run.send("inspect.image", image);
    await run.runUntil();
  };
  for (let i = 0; i < PLAN.warmup; i++) await inspectOnce();
  run.captured.clear();
  const delay = await loopDelayDuring(async () => {
    for (let i = 0; i < PLAN.runs; i++) await inspectOnce();
  });
  await run.stop();
  const verdicts = (run.captured.get("inspect.verdict") ?? []).map((m) => m.value as Verdict);
  const name = `vision-onnx: ${model.title}, 640×480 picture`;
  return [
    timed(`${name}: preprocess (verdict preprocessMs)`, verdicts.map((v) => v.measurements.preprocessMs)),
    timed(`${name}: inference on the worker (verdict inferenceMs)`, verdicts.map((v) => v.measurements.inferenceMs)),
    loopDelay(`${name}: main-thread event-loop delay while inspecting`, delay),
  ];
}

/** The slow model as the block ran it before: session.run() on the main thread. */
async function onMainThread(file: string): Promise<Workload> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  const pixels = SLOW.size * SLOW.size;
  const inferOnce = () => session.run({ image: new ort.Tensor("float32", new Float32Array(pixels).fill(0.5), [1, 1, SLOW.size, SLOW.size]) });
  for (let i = 0; i < PLAN.warmup; i++) await inferOnce();
  const delay = await loopDelayDuring(async () => {
    for (let i = 0; i < PLAN.runs; i++) await inferOnce();
  });
  await session.release();
  return loopDelay(`vision-onnx: for comparison, slow model with session.run() on the main thread: event-loop delay`, delay);
}

async function loopDelayDuring(work: () => Promise<void>): Promise<IntervalHistogram> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return histogram;
}

function timed(name: string, times: number[]): Workload {
  const medianMs = round(median(times), 2);
  return { name, n: 1, blocks: 1, runs: times.length, median_ms: medianMs, p95_ms: round(percentile(times, 95), 2), per_block_ms: medianMs, target: null, met: true, rss_mb: rssMb() };
}

/**
 * The histogram's p50 and p99 (not p95) in the median and p95 columns; runs counts its samples.
 * Node records whole sampling intervals: a free loop reads about the 1 ms resolution.
 */
function loopDelay(name: string, histogram: IntervalHistogram): Workload {
  const ms = (ns: number) => round(ns / 1e6, 2);
  return {
    name: `${name} (p50 | p99 in the median | p95 columns)`,
    n: 1, blocks: 1, runs: histogram.count, median_ms: ms(histogram.percentile(50)), p95_ms: ms(histogram.percentile(99)), per_block_ms: ms(histogram.percentile(50)),
    target: null, met: true, rss_mb: rssMb(),
  };
}

// `node bench/vision-onnx.bench.ts` prints the figures without the bench runner.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const w of await run()) console.log(`${w.name}: median ${w.median_ms} ms, p95 ${w.p95_ms} ms`);
}
