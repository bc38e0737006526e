import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { Camera } from "../../simulator/camera/image.ts";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import { imageValue } from "../lib/vision/image.ts";
import { inspect, type RulesConfig } from "../lib/vision/inspect.ts";
import type { Verdict } from "../lib/vision/verdict.ts";
import evidence from "./runtime.ts";

const RULES: RulesConfig = {
  roi: { x: 145, y: 65, w: 350, h: 350, shape: "ellipse" },
  threshold: { level: 120 }, minBlobArea: 20, blobCount: { max: 0 },
};
const START = Date.UTC(2026, 0, 5, 0, 0);

async function simulatedVerdict(serial: string, defect: "none" | "scratch" | "spots", ts: number): Promise<Verdict> {
  const png = await new Camera(9).picture({ serial, time: ts, defect });
  const image = imageValue({ png, width: 640, height: 480, serial, ts, camera: "main" });
  const { reasons, measurements } = await inspect(png, RULES);
  return { serial, pass: reasons.length === 0, reasons, ...(measurements ? { measurements } : {}), ts, image };
}

/** A small noisy picture, so files have a size worth budgeting, without the cost of a big one. */
async function smallVerdict(serial: string, pass: boolean, ts: number, seed: number): Promise<Verdict> {
  const pixels = Buffer.alloc(48 * 32);
  let state = seed;
  for (let i = 0; i < pixels.length; i++) pixels[i] = ((state = (state * 1103515245 + 12345) % 2 ** 31) >>> 16) & 255;
  const png = await sharp(pixels, { raw: { width: 48, height: 32, channels: 1 } }).png().toBuffer();
  return { serial, pass, reasons: pass ? [] : [{ code: "blob-count-high", en: "1 blobs found", "zh-CN": "发现 1 个斑点" }], ts, image: imageValue({ png, width: 48, height: 32, serial, ts, camera: "main" }) };
}

function evidenceRun(config: Record<string, unknown>, dataDir?: string) {
  return runInHarness({ nodes: { keep: { block: evidence, config, outputs: ["saved"] } }, inject: ["keep.verdict"], capture: ["keep.saved"], ...(dataDir ? { dataDir } : {}) });
}

/** Evidence files under the node's folder (not the index): [name, bytes], oldest first by name. */
function files(folder: string): Array<[string, number]> {
  const result: Array<[string, number]> = [];
  for (const day of readdirSync(folder)) {
    if (!statSync(join(folder, day)).isDirectory()) continue;
    for (const name of readdirSync(join(folder, day))) result.push([`${day}/${name}`, statSync(join(folder, day, name)).size]);
  }
  return result.sort();
}

describe("dengta.vision.evidence", () => {
  it("saves an annotated PNG and a JSON sidecar per kept verdict, every reject and one pass in N", async () => {
    const run = await evidenceRun({ keepPassEvery: 2 });
    const verdicts = [
      await simulatedVerdict("M3-000001", "none", START + 1000),
      await simulatedVerdict("M3-000002", "scratch", START + 2000),
      await simulatedVerdict("M3-000003", "none", START + 3000),
      await simulatedVerdict("M3-000004", "none", START + 4000),
    ];
    expect(verdicts.map((v) => v.pass)).toEqual([true, false, true, true]);
    for (const v of verdicts) run.send("keep.verdict", v, v.ts);
    run.send("keep.verdict", { hello: 1 });
    await run.runUntil();
    await run.stop();
    const folder = join(run.dataDir, "keep");
    expect(files(folder).map(([name]) => name)).toEqual([
      "2026-01-05/000001.000_M3-000001_pass.json", "2026-01-05/000001.000_M3-000001_pass.png",
      "2026-01-05/000002.000_M3-000002_reject.json", "2026-01-05/000002.000_M3-000002_reject.png",
      "2026-01-05/000004.000_M3-000004_pass.json", "2026-01-05/000004.000_M3-000004_pass.png",
    ]);
    const sidecar = JSON.parse(readFileSync(join(folder, "2026-01-05/000002.000_M3-000002_reject.json"), "utf8"));
    expect(sidecar).toMatchObject({ serial: "M3-000002", pass: false, ts: START + 2000, reasons: [{ code: "blob-count-high" }], image: { format: "png", width: 640, height: 480, serial: "M3-000002" } });
    expect(sidecar.image.data).toBeUndefined();
    expect(sidecar.evidence).toEqual({ png: "2026-01-05/000002.000_M3-000002_reject.png", json: "2026-01-05/000002.000_M3-000002_reject.json" });
    // The failing blob's box is drawn in red just outside the blob; the ROI outline on the part.
    const { data, info } = await sharp(join(folder, "2026-01-05/000002.000_M3-000002_reject.png")).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([640, 480, 3]);
    const blob = verdicts[1]!.measurements!.blobs[0]!;
    const at = (x: number, y: number) => Array.from(data.subarray((y * 640 + x) * 3, (y * 640 + x) * 3 + 3));
    const [r, g, b] = at(blob.x - 3, blob.y + Math.floor(blob.h / 2));
    expect(r).toBeGreaterThan(200);
    expect(g! + b!).toBeLessThan(200);
    const [, roiGreen] = at(320, 66);
    expect(roiGreen).toBeGreaterThan(0);
    const saved = run.captured.get("keep.saved")!.map((m) => m.value as { serial: string; png: string });
    expect(saved.map((s) => s.serial)).toEqual(["M3-000001", "M3-000002", "M3-000004"]);
    expect(existsSync(saved[1]!.png)).toBe(true);
    expect(run.engine.counters()).toMatchObject({ "keep.passesKept": 2, "keep.rejectsKept": 1, "keep.passesSkipped": 1, "keep.invalid": 1 });
  });

  it("keeps within maxMb: passes pruned oldest first; rejects only when they alone exceed it, with a warning", async () => {
    const maxMb = 0.04;
    const budget = maxMb * 1024 * 1024;
    const run = await evidenceRun({ maxMb, keepPassEvery: 1, label: false });
    const folder = join(run.dataDir, "keep");
    let ts = START;
    for (let i = 1; i <= 4; i++) run.send("keep.verdict", await smallVerdict(`R${i}`, false, (ts += 1000), i), ts);
    for (let i = 1; i <= 30; i++) run.send("keep.verdict", await smallVerdict(`P${i}`, true, (ts += 1000), 100 + i), ts);
    await run.runUntil();
    let kept = files(folder);
    const used = kept.reduce((sum, [, size]) => sum + size, 0);
    expect(used).toBeLessThanOrEqual(budget);
    const serials = [...new Set(kept.map(([name]) => name.split("_")[1]!))];
    expect(serials.filter((s) => s.startsWith("R"))).toEqual(["R1", "R2", "R3", "R4"]);
    const passes = serials.filter((s) => s.startsWith("P")).map((s) => Number(s.slice(1)));
    expect(passes.length).toBeGreaterThan(0);
    expect(passes.length).toBeLessThan(30);
    expect(passes).toEqual(Array.from({ length: passes.length }, (_, i) => 31 - passes.length + i)); // the newest ones
    expect(run.logs.filter((l) => l.level === "warn")).toEqual([]);

    for (let i = 5; i <= 40; i++) run.send("keep.verdict", await smallVerdict(`R${i}`, false, (ts += 1000), i), ts);
    await run.runUntil();
    await run.stop();
    kept = files(folder);
    expect(kept.reduce((sum, [, size]) => sum + size, 0)).toBeLessThanOrEqual(budget);
    const left = [...new Set(kept.map(([name]) => name.split("_")[1]!))];
    expect(left.every((s) => s.startsWith("R"))).toBe(true);
    const numbers = left.map((s) => Number(s.slice(1))).sort((a, b) => a - b);
    expect(numbers.at(-1)).toBe(40);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => 41 - numbers.length + i));
    const warning = run.logs.find((l) => l.level === "warn");
    expect(warning?.message).toMatch(/reject evidence alone exceeds the 0.04 MB budget: deleted the 1 oldest reject/);
    expect(run.engine.counters()["keep.rejectsPruned"]).toBe(40 - numbers.length);
    expect(run.engine.counters()["keep.usedMb"]).toBeLessThanOrEqual(maxMb);
  });

  it("keeps counting passes across a restart, and keeps a verdict without a picture as JSON alone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-evidence-"));
    for (const round of [0, 1]) {
      const run = await evidenceRun({ keepPassEvery: 3 }, dataDir);
      for (let i = 1; i <= 2; i++) {
        const n = round * 2 + i;
        run.send("keep.verdict", { serial: `P${n}`, pass: true, reasons: [], ts: START + n * 1000 }, START + n * 1000);
      }
      await run.runUntil();
      await run.stop();
    }
    // Passes 1..4 across two runs, one in three kept: the 1st and the 4th.
    expect(files(join(dataDir, "keep")).map(([name]) => name)).toEqual(["2026-01-05/000001.000_P1_pass.json", "2026-01-05/000004.000_P4_pass.json"]);
  });

  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = {};
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ maxMb: 500, keepPassEvery: 10, label: true });
    expect(validate({ maxMb: 0 })).toBe(false);
    expect(validate({ keepPassEvery: -1 })).toBe(false);
  });
});
