import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { Camera } from "../../simulator/camera/image.ts";
import type { Defect } from "../../simulator/model/line.ts";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import { findBlobs, foregroundTable, histogram, intensityStats, otsuLevel, rowSpans } from "../lib/vision/blobs.ts";
import { imageValue } from "../lib/vision/image.ts";
import { inspect, type RulesConfig } from "../lib/vision/inspect.ts";
import type { Verdict } from "../lib/vision/verdict.ts";
import rules from "./runtime.ts";

/** The README's example for the simulator's 640×480 pictures: a bright round part, dark defects. */
const SIMULATOR_RULES: RulesConfig = {
  roi: { x: 145, y: 65, w: 350, h: 350, shape: "ellipse" },
  threshold: { mode: "fixed", level: 120, polarity: "dark" },
  minBlobArea: 20,
  blobCount: { max: 0 },
  intensity: { mean: { min: 150 } },
};

function picture(width: number, height: number, fill: number, draw: (set: (x: number, y: number, v: number) => void) => void): Uint8Array {
  const pixels = new Uint8Array(width * height).fill(fill);
  draw((x, y, v) => (pixels[y * width + x] = v));
  return pixels;
}

function png(pixels: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } }).png().toBuffer();
}

describe("blob analysis", () => {
  it("labels 8-connected components with area, box and centre, largest first", () => {
    const pixels = picture(12, 8, 200, (set) => {
      for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) set(x, y, 10); // 3×3 square
      set(6, 1, 10); set(7, 2, 10); set(8, 3, 10); // diagonal line: one blob with 8-neighbours
      // A U shape whose arms meet only at the bottom: provisional labels must merge.
      for (let y = 4; y <= 7; y++) { set(1, y, 10); set(4, y, 10); }
      for (let x = 1; x <= 4; x++) set(x, 7, 10);
      set(11, 7, 10); // one pixel in the corner
    });
    const blobs = findBlobs(pixels, rowSpans(12, 8, "rect"), foregroundTable(128, "dark"));
    expect(blobs.map((b) => [b.area, b.x, b.y, b.w, b.h])).toEqual([
      [19, 1, 1, 4, 7], // the square touches the U's left arm (1,3)-(1,4): one blob
      [3, 6, 1, 3, 3],
      [1, 11, 7, 1, 1],
    ]);
    expect(blobs[1]).toMatchObject({ cx: 7, cy: 2 });
    expect(findBlobs(pixels, rowSpans(12, 8, "rect"), foregroundTable(128, "dark"), 2)).toHaveLength(2);
    expect(findBlobs(pixels, rowSpans(12, 8, "rect"), foregroundTable(128, "bright"))).toEqual([
      expect.objectContaining({ area: 12 * 8 - 23 }),
    ]);
  });

  it("agrees with a flood fill on random pictures", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 20; round++) {
      const width = 40 + Math.floor(random() * 40);
      const height = 30 + Math.floor(random() * 30);
      const pixels = picture(width, height, 0, (set) => {
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) set(x, y, random() < 0.45 ? 255 : 0);
      });
      const fast = findBlobs(pixels, rowSpans(width, height, "rect"), foregroundTable(128, "bright")).map((b) => b.area);
      expect(fast).toEqual(floodFillAreas(pixels, width, height));
    }
  });

  it("measures only inside an ellipse, and finds Otsu's level between two modes", () => {
    const spans = rowSpans(100, 60, "ellipse");
    let inside = 0;
    for (let y = 0; y < 60; y++) inside += spans.end[y]! - spans.start[y]!;
    expect(inside / (100 * 60)).toBeCloseTo(Math.PI / 4, 1);
    // Dark corners, outside the ellipse: not measured.
    const pixels = picture(100, 60, 200, (set) => { for (let i = 0; i < 8; i++) { set(i, 0, 0); set(99 - i, 59, 0); set(0, i, 0); set(99, 59 - i, 0); } });
    const stats = intensityStats(histogram(pixels, spans));
    expect(stats).toMatchObject({ min: 200, max: 200, mean: 200 });
    const bimodal = picture(100, 60, 40, (set) => { for (let y = 0; y < 60; y++) for (let x = 50; x < 100; x++) set(x, y, 190 + (x % 5)); });
    const level = otsuLevel(histogram(bimodal, rowSpans(100, 60, "rect")));
    expect(level).toBeGreaterThan(40);
    expect(level).toBeLessThanOrEqual(190);
  });
});

describe("dengta.vision.rules", () => {
  it("separates the simulator's good parts from scratched and spotted ones (300 parts)", async () => {
    const camera = new Camera(11);
    const defects: Defect[] = ["none", "scratch", "spots"];
    const counts = { good: 0, defective: 0, escapes: 0, falseRejects: 0 };
    const times: number[] = [];
    for (let n = 1; n <= 300; n++) {
      const defect = defects[n % 3]!;
      const bytes = await camera.picture({ serial: `M3-${String(n).padStart(6, "0")}`, time: 0, defect });
      const { reasons, measurements } = await inspect(bytes, SIMULATOR_RULES);
      times.push(measurements!.inspectMs);
      const pass = reasons.length === 0;
      if (defect === "none") {
        counts.good++;
        if (!pass) counts.falseRejects++;
      } else {
        counts.defective++;
        if (pass) counts.escapes++;
      }
    }
    times.sort((a, b) => a - b);
    console.log(`vision-rules on 300 simulated parts: ${counts.escapes}/${counts.defective} escapes, ${counts.falseRejects}/${counts.good} false rejects; 640×480 median ${times[150]} ms`);
    expect(counts).toEqual({ good: 100, defective: 200, escapes: 0, falseRejects: 0 });
  });

  it("inspects a 1280×1024 picture (its time is measured in bench/vision-rules.bench.ts)", async () => {
    const base = await new Camera(3).picture({ serial: "M3-000001", time: 0, defect: "spots" });
    const big = await sharp(base).resize(1280, 1024).toColourspace("b-w").png().toBuffer();
    expect((await sharp(big).metadata()).channels).toBe(1);
    const config: RulesConfig = { ...SIMULATOR_RULES, roi: { x: 0, y: 0, w: 1280, h: 1024, shape: "rect" }, blobCount: { max: 100 }, intensity: {} };
    const { measurements } = await inspect(big, config);
    expect(measurements!.blobCount).toBeGreaterThan(0);
  });

  it("sends a verdict per picture: serial, reasons in both languages, failing blobs, the picture passed through", async () => {
    const camera = new Camera(5);
    const run = await runInHarness({ nodes: { inspect: { block: rules, config: { ...SIMULATOR_RULES }, outputs: ["verdict"] } }, inject: ["inspect.image"], capture: ["inspect.verdict"] });
    const images = [];
    for (const [serial, defect] of [["M3-000001", "none"], ["M3-000002", "spots"]] as const) {
      const bytes = await camera.picture({ serial, time: 0, defect });
      const image = imageValue({ png: bytes, width: 640, height: 480, serial, ts: 1000, camera: "main" });
      images.push(image);
      run.send("inspect.image", image, 1000);
    }
    await run.runUntil();
    await run.stop();
    const [good, bad] = run.captured.get("inspect.verdict")!.map((m) => m.value as Verdict);
    expect(good).toMatchObject({ serial: "M3-000001", pass: true, reasons: [], ts: 1000 });
    expect(good!.image).toBe(images[0]);
    expect(good!.measurements).toMatchObject({ width: 640, height: 480, blobCount: 0, threshold: 120, thresholdMode: "fixed" });
    expect(bad).toMatchObject({ serial: "M3-000002", pass: false });
    expect(bad!.reasons[0]).toMatchObject({ code: "blob-count-high" });
    expect(bad!.reasons[0]!["zh-CN"]).toMatch(/斑点/);
    expect(bad!.measurements!.blobs.length).toBeGreaterThanOrEqual(1);
    expect(bad!.measurements!.blobs.every((b) => b.failed && b.x >= 145 && b.x + b.w <= 495)).toBe(true);
    // The image's JSON form carries no bytes: a sink recording verdicts stays small.
    expect(JSON.stringify(bad).length).toBeLessThan(5000);
    expect(run.engine.counters()).toMatchObject({ "inspect.passed": 1, "inspect.rejected": 1 });
  });

  it("measures a colour JPEG like the gray PNG it came from", async () => {
    const gray = await new Camera(4).picture({ serial: "M3-000007", time: 0, defect: "spots" });
    const colour = await sharp(gray).toColourspace("srgb").jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(colour).metadata()).channels).toBe(3);
    const [a, b] = [await inspect(gray, SIMULATOR_RULES), await inspect(colour, SIMULATOR_RULES)];
    expect(b.measurements!.blobCount).toBe(a.measurements!.blobCount);
    expect(Math.abs(b.measurements!.mean - a.measurements!.mean)).toBeLessThan(1.5);
  });

  it("checks blob area and intensity limits, with Otsu and bright defects", async () => {
    const pixels = picture(200, 100, 40, (set) => {
      for (let y = 10; y < 30; y++) for (let x = 10; x < 30; x++) set(x, y, 230); // 400 px
      for (let y = 50; y < 53; y++) for (let x = 100; x < 103; x++) set(x, y, 230); // 9 px
    });
    const bytes = await png(pixels, 200, 100);
    const { reasons, measurements } = await inspect(bytes, {
      threshold: { mode: "otsu", polarity: "bright" }, blobArea: { min: 10, max: 300 }, intensity: { mean: { max: 30 }, min: { min: 50 }, max: { max: 200 } },
    });
    expect(reasons.map((r) => r.code)).toEqual(["blob-too-small", "blob-too-large", "mean-intensity-high", "min-intensity-low", "max-intensity-high"]);
    expect(measurements!.blobs.map((b) => [b.area, b.failed])).toEqual([[400, true], [9, true]]);
    expect(measurements!.threshold).toBeGreaterThan(40);
    expect(measurements!.threshold).toBeLessThanOrEqual(230);
    expect((await inspect(bytes, { threshold: { level: 100, polarity: "bright" }, blobCount: { min: 3 } })).reasons.map((r) => r.code)).toEqual(["blob-count-low"]);
  });

  it("rejects a picture it cannot read or whose region does not fit, and logs the cause once", async () => {
    const run = await runInHarness({ nodes: { inspect: { block: rules, config: { roi: { x: 600, y: 0, w: 100, h: 100 } }, outputs: ["verdict"] } }, inject: ["inspect.image"], capture: ["inspect.verdict"] });
    const bytes = await new Camera(1).picture({ serial: "A", time: 0, defect: "none" });
    run.send("inspect.image", imageValue({ png: bytes, width: 640, height: 480, serial: "A", ts: 1, camera: "c" }));
    run.send("inspect.image", imageValue({ png: bytes, width: 640, height: 480, serial: "B", ts: 2, camera: "c" }));
    run.send("inspect.image", imageValue({ png: Buffer.from("not a picture"), width: 1, height: 1, serial: "C", ts: 3, camera: "c" }));
    run.send("inspect.image", { text: "hello" });
    await run.runUntil();
    await run.stop();
    const verdicts = run.captured.get("inspect.verdict")!.map((m) => m.value as Verdict);
    expect(verdicts.map((v) => [v.serial, v.pass, v.reasons[0]!.code])).toEqual([["A", false, "roi-outside-image"], ["B", false, "roi-outside-image"], ["C", false, "image-unreadable"]]);
    expect(verdicts[0]!.reasons[0]!["zh-CN"]).toContain("超出");
    expect(run.logs.filter((l) => l.level === "error")).toHaveLength(2);
    expect(run.engine.counters()["inspect.invalid"]).toBe(1);
  });

  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { ...SIMULATOR_RULES };
    expect(validate(config)).toBe(true);
    expect(validate({})).toBe(true);
    expect(validate({ roi: { x: 0, y: 0, w: 0, h: 10 } })).toBe(false);
    expect(validate({ threshold: { mode: "adaptive" } })).toBe(false);
    expect(validate({ blobCount: { max: 0, exact: 1 } })).toBe(false);
  });
});

function floodFillAreas(pixels: Uint8Array, width: number, height: number): number[] {
  const seen = new Uint8Array(width * height);
  const areas: number[] = [];
  for (let start = 0; start < pixels.length; start++) {
    if (seen[start] || pixels[start]! < 128) continue;
    let area = 0;
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const i = stack.pop()!;
      area++;
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const j = ny * width + nx;
        if (!seen[j] && pixels[j]! >= 128) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    areas.push(area);
  }
  return areas.sort((a, b) => b - a);
}
