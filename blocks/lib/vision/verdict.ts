// The value on a `verdict` port: pass or reject for one part, why, what was measured, and the
// picture it was judged on (for the evidence block).
import type { ImageValue } from "./image.ts";
import type { Blob, RoiShape } from "./blobs.ts";

/** One reason to reject, worded for the operator in both languages; `code` is for machines. */
export interface Reason {
  code: string;
  en: string;
  "zh-CN": string;
}

/** A blob in picture coordinates; `failed` marks the blobs that made the part fail. */
export interface BlobMeasurement extends Blob {
  failed: boolean;
}

export interface Measurements {
  width: number;
  height: number;
  roi: { x: number; y: number; w: number; h: number; shape: RoiShape };
  /** Foreground is below this level (dark) or at or above it (bright). */
  threshold: number;
  thresholdMode: "fixed" | "otsu";
  blobCount: number;
  totalBlobArea: number;
  largestBlobArea: number;
  /** The largest blobs, at most `maxBlobsReported` of them; `blobCount` counts them all. */
  blobs: BlobMeasurement[];
  mean: number;
  min: number;
  max: number;
  /** Decode and measure, in ms of wall time. */
  inspectMs: number;
}

export interface Verdict {
  serial: string;
  pass: boolean;
  reasons: Reason[];
  /** Absent when the picture could not be measured at all (the reasons say why). */
  measurements?: Measurements;
  ts: number;
  image?: ImageValue;
}

export function isVerdict(value: unknown): value is Verdict {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Verdict>;
  return typeof v.pass === "boolean" && Array.isArray(v.reasons) && typeof v.serial === "string";
}
