import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { Camera, IMAGE_HEIGHT, IMAGE_WIDTH } from "./image.ts";

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
});
