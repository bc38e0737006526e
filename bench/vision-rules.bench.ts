/**
 * Inspection time of dengta.vision.rules on a 1280×1024 grayscale PNG (the simulator's picture
 * scaled up, with spots): decode + threshold + blobs + checks, whole picture and an elliptic ROI,
 * and the labelling alone on raw pixels. Target: under 30 ms a picture.
 * Run through `npm run bench`, never as a test.
 */
import sharp from "sharp";
import { Camera } from "../simulator/camera/image.ts";
import { findBlobs, foregroundTable, rowSpans } from "../blocks/lib/vision/blobs.ts";
import { inspect, type RulesConfig } from "../blocks/lib/vision/inspect.ts";
import { median, percentile, round, rssMb, timeRuns, type Workload } from "./measure.ts";

const WIDTH = 1280;
const HEIGHT = 1024;
const TARGET_MS = 30;

export async function run(): Promise<Workload[]> {
  const small = await new Camera(3).picture({ serial: "M3-000001", time: 0, defect: "spots" });
  const scaled = sharp(small).resize(WIDTH, HEIGHT);
  const png = await scaled.clone().toColourspace("b-w").png({ compressionLevel: 6 }).toBuffer();
  const rgb = await scaled.clone().png({ compressionLevel: 6 }).toBuffer();
  const raw = await sharp(png).raw().toBuffer();
  const whole: RulesConfig = { threshold: { level: 120 }, minBlobArea: 20, blobCount: { max: 0 } };
  const ellipse: RulesConfig = { ...whole, roi: { x: 290, y: 130, w: 700, h: 700, shape: "ellipse" } };
  const spans = rowSpans(WIDTH, HEIGHT, "rect");
  const dark = foregroundTable(120, "dark");
  return [
    workload("vision-rules: 1280×1024 gray PNG, whole picture (decode + measure)", await timeRuns(() => inspect(png, whole), { warmup: 3, runs: 30 }), TARGET_MS),
    workload("vision-rules: 1280×1024 gray PNG, 700×700 ellipse ROI", await timeRuns(() => inspect(png, ellipse), { warmup: 3, runs: 30 }), TARGET_MS),
    workload("vision-rules: 1280×1024 colour PNG, whole picture", await timeRuns(() => inspect(rgb, whole), { warmup: 3, runs: 30 }), TARGET_MS),
    workload("vision-rules: blob labelling alone, 1280×1024 raw", await timeRuns(() => findBlobs(raw, spans, dark, 20), { warmup: 3, runs: 30 }), null),
  ];
}

function workload(name: string, times: number[], targetMs: number | null): Workload {
  const medianMs = round(median(times), 2);
  return {
    name, n: 1, blocks: 1, runs: times.length, median_ms: medianMs, p95_ms: round(percentile(times, 95), 2), per_block_ms: medianMs,
    target: targetMs === null ? null : `median < ${targetMs} ms`, met: targetMs === null || medianMs < targetMs, rss_mb: rssMb(),
  };
}

// `node bench/vision-rules.bench.ts` prints the figures without the bench runner.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const w of await run()) console.log(`${w.name}: median ${w.median_ms} ms, p95 ${w.p95_ms} ms${w.target ? ` (${w.met ? "met" : "MISSED"} ${w.target})` : ""}`);
}
