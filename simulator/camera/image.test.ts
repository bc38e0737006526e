import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { Camera, IMAGE_HEIGHT, IMAGE_WIDTH, LIGHT_LEVELS, PLACEMENT_PX } from "./image.ts";

/** Centre of the pixels brighter than the belt: the part's centre. */
function brightCentre(gray: Buffer): [number, number] {
  let sx = 0, sy = 0, n = 0;
  for (let i = 0; i < gray.length; i++) {
    if (gray[i]! < 120) continue;
    sx += i % IMAGE_WIDTH;
    sy += Math.floor(i / IMAGE_WIDTH);
    n++;
  }
  return [sx / n, sy / n];
}

describe("camera", () => {
  it("draws a 640×480 grayscale PNG per part, the same for the same seed and serial", async () => {
    const camera = new Camera(1);
    const clean = await camera.picture({ serial: "M3-000001", time: 0, defect: "none" });
    const scratched = await camera.picture({ serial: "M3-000002", time: 0, defect: "scratch" });
    const again = await new Camera(1).picture({ serial: "M3-000002", time: 0, defect: "scratch" });
    expect(scratched.equals(again)).toBe(true);
    expect(scratched.equals(clean)).toBe(false);
    const meta = await sharp(clean).metadata();
    expect(meta).toMatchObject({ format: "png", width: IMAGE_WIDTH, height: IMAGE_HEIGHT, channels: 1 });
  });

  it("places each good part a little differently, within PLACEMENT_PX and LIGHT_LEVELS", async () => {
    const camera = new Camera(1);
    const centres: Array<[number, number]> = [];
    const means: number[] = [];
    const pictures = new Set<string>();
    for (let i = 1; i <= 12; i++) {
      const png = await camera.picture({ serial: `M3-${String(i).padStart(6, "0")}`, time: 0, defect: "none" });
      pictures.add(png.toString("base64"));
      const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      centres.push(brightCentre(data));
      means.push(data.reduce((sum, v) => sum + v, 0) / data.length);
    }
    expect(pictures.size).toBe(12);
    for (const [x, y] of centres) {
      expect(Math.abs(x - IMAGE_WIDTH / 2)).toBeLessThanOrEqual(PLACEMENT_PX + 0.5);
      expect(Math.abs(y - IMAGE_HEIGHT / 2)).toBeLessThanOrEqual(PLACEMENT_PX + 0.5);
    }
    expect(new Set(centres.map((c) => c.join())).size).toBeGreaterThan(3);
    expect(Math.max(...means) - Math.min(...means)).toBeLessThanOrEqual(2 * LIGHT_LEVELS + 1);
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(1);
  });
});
