import { PNG } from "pngjs";
import type { StationPart } from "../model/line.ts";
import { Prng, streamSeed } from "../model/prng.ts";

export const IMAGE_WIDTH = 640;
export const IMAGE_HEIGHT = 480;

/** How far a part may sit off the camera's centre, in pixels, and how much the light may vary, in gray levels. */
export const PLACEMENT_PX = 3;
export const LIGHT_LEVELS = 4;

/**
 * Synthetic grayscale pictures of parts: one base picture made once, then per part a copy placed
 * a few pixels off centre under slightly different light, with its defect drawn in, and a cheap
 * PNG encode. No two parts look the same; a part's picture depends only on seed and serial.
 */
export class Camera {
  private readonly base: Buffer;

  constructor(private readonly seed: number) {
    this.base = basePicture(new Prng(streamSeed(seed, "camera-base")));
  }

  async picture(part: StationPart): Promise<Buffer> {
    const prng = new Prng(streamSeed(this.seed, part.serial));
    const pixels = placed(this.base, prng);
    if (part.defect === "scratch") drawScratch(pixels, prng);
    if (part.defect === "spots") drawSpots(pixels, prng);
    return encodePng(pixels);
  }
}

type Sharp = typeof import("sharp").default;
let sharpLoaded: Promise<Sharp | undefined> | undefined;

/**
 * 8-bit grayscale PNG, fast (deflate level 1). sharp encodes off the event loop, which keeps a
 * simulator at ×1200 on time; where it is missing (the VS Code extension carries no native
 * module) pngjs, plain JavaScript, does it on the event loop.
 */
async function encodePng(pixels: Buffer): Promise<Buffer> {
  sharpLoaded ??= import("sharp").then((m) => m.default, () => undefined);
  const sharp = await sharpLoaded;
  if (sharp) return sharp(pixels, { raw: { width: IMAGE_WIDTH, height: IMAGE_HEIGHT, channels: 1 } }).toColourspace("b-w").png({ compressionLevel: 1 }).toBuffer();
  const png = new PNG({ width: IMAGE_WIDTH, height: IMAGE_HEIGHT, colorType: 0, inputColorType: 0, inputHasAlpha: false, deflateLevel: 1 });
  png.data = pixels;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, deflateLevel: 1 });
}

/** The base picture moved by up to PLACEMENT_PX each way (edges repeated) and lit up to LIGHT_LEVELS brighter or darker. */
function placed(base: Buffer, prng: Prng): Buffer {
  const dx = Math.round(prng.between(-PLACEMENT_PX, PLACEMENT_PX));
  const dy = Math.round(prng.between(-PLACEMENT_PX, PLACEMENT_PX));
  const light = Math.round(prng.between(-LIGHT_LEVELS, LIGHT_LEVELS));
  const level = new Uint8Array(256).map((_, v) => clamp(v + light));
  const pixels = Buffer.alloc(base.length);
  for (let y = 0; y < IMAGE_HEIGHT; y++) {
    const row = Math.min(IMAGE_HEIGHT - 1, Math.max(0, y - dy)) * IMAGE_WIDTH;
    for (let x = 0; x < IMAGE_WIDTH; x++) {
      pixels[y * IMAGE_WIDTH + x] = level[base[row + Math.min(IMAGE_WIDTH - 1, Math.max(0, x - dx))]!]!;
    }
  }
  return pixels;
}

/** A bright round part on a dark belt, with a little texture. */
function basePicture(prng: Prng): Buffer {
  const pixels = Buffer.alloc(IMAGE_WIDTH * IMAGE_HEIGHT);
  const cx = IMAGE_WIDTH / 2;
  const cy = IMAGE_HEIGHT / 2;
  for (let y = 0; y < IMAGE_HEIGHT; y++) {
    for (let x = 0; x < IMAGE_WIDTH; x++) {
      const onPart = (x - cx) ** 2 + (y - cy) ** 2 < 180 ** 2;
      const level = onPart ? 190 + (x - cx) / 12 : 40 + y / 24;
      pixels[y * IMAGE_WIDTH + x] = clamp(level + prng.normal() * 3);
    }
  }
  return pixels;
}

function drawScratch(pixels: Buffer, prng: Prng): void {
  const angle = prng.between(0, Math.PI);
  const length = prng.between(80, 220);
  const x0 = IMAGE_WIDTH / 2 + prng.between(-90, 90);
  const y0 = IMAGE_HEIGHT / 2 + prng.between(-90, 90);
  for (let t = -length / 2; t < length / 2; t += 0.5) {
    dot(pixels, x0 + t * Math.cos(angle), y0 + t * Math.sin(angle), 1, 70);
  }
}

function drawSpots(pixels: Buffer, prng: Prng): void {
  const count = 3 + Math.floor(prng.next() * 4);
  for (let i = 0; i < count; i++) {
    dot(pixels, IMAGE_WIDTH / 2 + prng.between(-140, 140), IMAGE_HEIGHT / 2 + prng.between(-140, 140), prng.between(4, 12), 60);
  }
}

function dot(pixels: Buffer, cx: number, cy: number, radius: number, level: number): void {
  for (let y = Math.floor(cy - radius); y <= cy + radius; y++) {
    for (let x = Math.floor(cx - radius); x <= cx + radius; x++) {
      if (x < 0 || y < 0 || x >= IMAGE_WIDTH || y >= IMAGE_HEIGHT) continue;
      if ((x - cx) ** 2 + (y - cy) ** 2 <= radius * radius) pixels[y * IMAGE_WIDTH + x] = level;
    }
  }
}

function clamp(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}
