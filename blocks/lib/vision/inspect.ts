// Rule-based inspection of one picture: decode the region of interest with sharp, threshold it,
// find blobs, check the limits. Used by dengta.vision.rules and its bench.
import { performance } from "node:perf_hooks";
import sharp, { type Sharp } from "sharp";
import { findBlobs, foregroundTable, histogram, intensityStats, otsuLevel, rowSpans, type Blob, type RoiShape, type RowSpans } from "./blobs.ts";
import type { BlobMeasurement, Measurements, Reason } from "./verdict.ts";

export interface Range {
  min?: number;
  max?: number;
}

export interface RulesConfig {
  roi?: { x: number; y: number; w: number; h: number; shape?: RoiShape };
  threshold?: { mode?: "fixed" | "otsu"; level?: number; polarity?: "dark" | "bright" };
  /** Blobs smaller than this are noise: not counted, not checked. */
  minBlobArea?: number;
  blobCount?: Range;
  blobArea?: Range;
  intensity?: { mean?: Range; min?: Range; max?: Range };
  maxBlobsReported?: number;
}

export interface Inspection {
  reasons: Reason[];
  measurements?: Measurements;
}

const DEFAULT_LEVEL = 128;

export async function inspect(input: Buffer | string, config: RulesConfig): Promise<Inspection> {
  const started = performance.now();
  const picture = sharp(input, { failOn: "error" });
  let width: number;
  let height: number;
  try {
    const meta = await picture.metadata();
    width = meta.width ?? 0;
    height = meta.height ?? 0;
  } catch (error) {
    return { reasons: [reason("image-unreadable", `the picture cannot be read: ${messageOf(error)}`, `无法读取图像：${messageOf(error)}`)] };
  }
  const given = config.roi;
  const roi = given ? { x: given.x, y: given.y, w: given.w, h: given.h, shape: given.shape ?? "rect" } : { x: 0, y: 0, w: width, h: height, shape: "rect" as RoiShape };
  if (roi.x < 0 || roi.y < 0 || roi.w < 1 || roi.h < 1 || roi.x + roi.w > width || roi.y + roi.h > height) {
    return { reasons: [reason("roi-outside-image",
      `the region of interest (${roi.x}, ${roi.y}, ${roi.w}×${roi.h}) does not fit the ${width}×${height} picture`,
      `检测区域（${roi.x}, ${roi.y}, ${roi.w}×${roi.h}）超出了 ${width}×${height} 的图像`)] };
  }
  let pixels: Buffer;
  try {
    pixels = await grayRegion(picture, roi, width, height);
  } catch (error) {
    return { reasons: [reason("image-unreadable", `the picture cannot be decoded: ${messageOf(error)}`, `无法解码图像：${messageOf(error)}`)] };
  }
  const spans = spansFor(roi.w, roi.h, roi.shape);
  const counts = histogram(pixels, spans);
  const stats = intensityStats(counts);
  const mode = config.threshold?.mode ?? "fixed";
  const polarity = config.threshold?.polarity ?? "dark";
  const level = mode === "otsu" ? otsuLevel(counts) : polarity === "dark" ? (config.threshold?.level ?? DEFAULT_LEVEL) : (config.threshold?.level ?? DEFAULT_LEVEL) + 1;
  const blobs = findBlobs(pixels, spans, foregroundTable(level, polarity), config.minBlobArea ?? 1);
  const checked = checkAll(blobs, stats, config);
  const limit = config.maxBlobsReported ?? 50;
  const measurements: Measurements = {
    width, height, roi, threshold: level, thresholdMode: mode,
    blobCount: blobs.length,
    totalBlobArea: blobs.reduce((sum, b) => sum + b.area, 0),
    largestBlobArea: blobs[0]?.area ?? 0,
    blobs: blobs.slice(0, limit).map((b, i) => inPicture(b, roi, checked.failedBlobs.has(i))),
    mean: Math.round(stats.mean * 100) / 100, min: stats.min, max: stats.max,
    inspectMs: 0,
  };
  measurements.inspectMs = Math.round((performance.now() - started) * 100) / 100;
  return { reasons: checked.reasons, measurements };
}

/**
 * The region as one 8-bit channel, whatever the picture's colour type. A gray picture (what
 * inspection cameras give) comes straight from the decoder; a colour one is turned to luma here
 * (Rec. 601, integer weights), which is several times cheaper than sharp's colour conversion.
 */
async function grayRegion(picture: Sharp, roi: { x: number; y: number; w: number; h: number }, width: number, height: number): Promise<Buffer> {
  const whole = roi.x === 0 && roi.y === 0 && roi.w === width && roi.h === height;
  const cropped = whole ? picture : picture.extract({ left: roi.x, top: roi.y, width: roi.w, height: roi.h });
  const { data, info } = await cropped.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  const channels = info.channels;
  if (channels === 1) return data;
  const gray = Buffer.allocUnsafe(info.width * info.height);
  if (channels < 3) {
    for (let i = 0, j = 0; i < gray.length; i++, j += channels) gray[i] = data[j]!;
    return gray;
  }
  for (let i = 0, j = 0; i < gray.length; i++, j += channels) gray[i] = (77 * data[j]! + 150 * data[j + 1]! + 29 * data[j + 2]! + 128) >> 8;
  return gray;
}

const spanCache = new Map<string, RowSpans>();

function spansFor(width: number, height: number, shape: RoiShape): RowSpans {
  const key = `${width}x${height}:${shape}`;
  let spans = spanCache.get(key);
  if (spans === undefined) {
    if (spanCache.size > 16) spanCache.clear();
    spans = rowSpans(width, height, shape);
    spanCache.set(key, spans);
  }
  return spans;
}

const blobsFound = (n: number) => `${n} ${n === 1 ? "blob" : "blobs"} found`;

function checkAll(blobs: Blob[], stats: { mean: number; min: number; max: number }, config: RulesConfig): { reasons: Reason[]; failedBlobs: Set<number> } {
  const reasons: Reason[] = [];
  const failedBlobs = new Set<number>();
  const count = config.blobCount;
  if (count?.max !== undefined && blobs.length > count.max) {
    reasons.push(reason("blob-count-high", `${blobsFound(blobs.length)}, at most ${count.max} allowed`, `发现 ${blobs.length} 个斑点，最多允许 ${count.max} 个`));
    blobs.forEach((_, i) => failedBlobs.add(i));
  }
  if (count?.min !== undefined && blobs.length < count.min) {
    reasons.push(reason("blob-count-low", `${blobsFound(blobs.length)}, at least ${count.min} needed`, `发现 ${blobs.length} 个斑点，至少需要 ${count.min} 个`));
  }
  const area = config.blobArea;
  if (area !== undefined) {
    const small = blobs.flatMap((b, i) => (area.min !== undefined && b.area < area.min ? [i] : []));
    const large = blobs.flatMap((b, i) => (area.max !== undefined && b.area > area.max ? [i] : []));
    if (small.length > 0) {
      reasons.push(reason("blob-too-small", `${small.length} blob(s) smaller than ${area.min} px (smallest ${blobs[small.at(-1)!]!.area} px)`,
        `${small.length} 个斑点面积小于 ${area.min} 像素（最小 ${blobs[small.at(-1)!]!.area} 像素）`));
    }
    if (large.length > 0) {
      reasons.push(reason("blob-too-large", `${large.length} blob(s) larger than ${area.max} px (largest ${blobs[large[0]!]!.area} px)`,
        `${large.length} 个斑点面积大于 ${area.max} 像素（最大 ${blobs[large[0]!]!.area} 像素）`));
    }
    for (const i of [...small, ...large]) failedBlobs.add(i);
  }
  const limits = config.intensity ?? {};
  const names = { mean: ["mean", "平均"], min: ["minimum", "最小"], max: ["maximum", "最大"] } as const;
  for (const key of ["mean", "min", "max"] as const) {
    const range = limits[key];
    const value = Math.round(stats[key] * 100) / 100;
    const [en, zh] = names[key];
    if (range?.min !== undefined && value < range.min) {
      reasons.push(reason(`${key}-intensity-low`, `${en} intensity ${value} is below ${range.min}`, `${zh}灰度 ${value} 低于 ${range.min}`));
    }
    if (range?.max !== undefined && value > range.max) {
      reasons.push(reason(`${key}-intensity-high`, `${en} intensity ${value} is above ${range.max}`, `${zh}灰度 ${value} 高于 ${range.max}`));
    }
  }
  return { reasons, failedBlobs };
}

function inPicture(blob: Blob, roi: { x: number; y: number }, failed: boolean): BlobMeasurement {
  return { area: blob.area, x: blob.x + roi.x, y: blob.y + roi.y, w: blob.w, h: blob.h, cx: blob.cx + roi.x, cy: blob.cy + roi.y, failed };
}

export function reason(code: string, en: string, zh: string): Reason {
  return { code, en, "zh-CN": zh };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
