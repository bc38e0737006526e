// The evidence picture: the inspected picture in colour with the region of interest, the blobs
// that failed the part and, optionally, the verdict written in its corner.
import sharp from "sharp";
import type { Verdict } from "./verdict.ts";

const GREEN = "#21c45d";
const RED = "#ff2d2d";

/** PNG bytes; throws when the picture cannot be decoded. */
export async function annotatedPng(input: Buffer | string, verdict: Verdict, label: boolean): Promise<Buffer> {
  const picture = sharp(input, { failOn: "error" });
  const { width = 0, height = 0 } = await picture.metadata();
  const overlay = Buffer.from(overlaySvg(width, height, verdict, label));
  return picture
    .toColourspace("srgb")
    .composite([{ input: overlay, left: 0, top: 0 }])
    .removeAlpha()
    .png({ compressionLevel: 6 })
    .toBuffer();
}

export function overlaySvg(width: number, height: number, verdict: Verdict, label: boolean): string {
  const shapes: string[] = [];
  const colour = verdict.pass ? GREEN : RED;
  // A rule verdict measures a region and blobs; a model's verdict (vision-onnx) has neither.
  const m = verdict.measurements;
  if (m?.roi) {
    const r = m.roi;
    shapes.push(r.shape === "ellipse"
      ? `<ellipse cx="${r.x + r.w / 2}" cy="${r.y + r.h / 2}" rx="${r.w / 2}" ry="${r.h / 2}" fill="none" stroke="${colour}" stroke-width="2"/>`
      : `<rect x="${r.x + 0.5}" y="${r.y + 0.5}" width="${r.w - 1}" height="${r.h - 1}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const blob of m.blobs ?? []) {
      if (!blob.failed) continue;
      shapes.push(`<rect x="${blob.x - 2.5}" y="${blob.y - 2.5}" width="${blob.w + 4}" height="${blob.h + 4}" fill="none" stroke="${RED}" stroke-width="2"/>`);
    }
  }
  for (const box of boxesOf((verdict as { detections?: unknown }).detections)) {
    shapes.push(`<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" fill="none" stroke="${RED}" stroke-width="2"/>`);
  }
  if (label) {
    const text = `${verdict.pass ? "PASS" : "REJECT"} ${verdict.serial}`.trim();
    const size = Math.max(12, Math.round(height / 30));
    shapes.push(`<rect x="0" y="0" width="${Math.round(text.length * size * 0.62 + size)}" height="${Math.round(size * 1.5)}" fill="#000" fill-opacity="0.6"/>`);
    shapes.push(`<text x="${size / 2}" y="${size * 1.1}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${size}" fill="${colour}">${escapeXml(text)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join("")}</svg>`;
}

/** Boxes of a model's detections, in the shapes models commonly give: {x,y,w,h} or {box: [x1,y1,x2,y2]}. */
function boxesOf(detections: unknown): Array<{ x: number; y: number; w: number; h: number }> {
  if (!Array.isArray(detections)) return [];
  const boxes: Array<{ x: number; y: number; w: number; h: number }> = [];
  for (const d of detections as Array<Record<string, unknown>>) {
    if (typeof d !== "object" || d === null) continue;
    if ([d.x, d.y, d.w, d.h].every((v) => typeof v === "number")) boxes.push({ x: d.x as number, y: d.y as number, w: d.w as number, h: d.h as number });
    const box = d.box;
    if (Array.isArray(box) && box.length === 4 && box.every((v) => typeof v === "number")) {
      const [x1, y1, x2, y2] = box as [number, number, number, number];
      boxes.push({ x: x1, y: y1, w: x2 - x1, h: y2 - y1 });
    }
  }
  return boxes;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
