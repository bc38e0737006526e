import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import type { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { BlockError } from "../../runtime/block.ts";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import type { ImageValue } from "../lib/vision/image.ts";
import { InferenceWorker } from "./inference-worker.ts";
import visionOnnx, { type Verdict } from "./runtime.ts";
import { writeBrightnessClassifier, writeConstantDetector, writeSlowClassifier, writeVectorModel } from "./test-models.ts";

const START = Date.UTC(2026, 0, 1);
const WIDTH = 64;
const HEIGHT = 48;

const CLASSIFIER_LABELS = [
  { id: "ok", en: "OK", "zh-CN": "合格" },
  { id: "defect", en: "Defect", "zh-CN": "缺陷" },
];
const DETECTOR_LABELS = [
  { id: "part", en: "Part", "zh-CN": "工件" },
  { id: "scratch", en: "Scratch", "zh-CN": "划痕" },
];

/** A data folder with models/<name> in it, as a bundle deploys its models. */
function dataFolder(): { dir: string; model: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), "dengta-vision-onnx-"));
  mkdirSync(join(dir, "models"));
  return { dir, model: (name) => join(dir, "models", name) };
}

/** A flat gray picture as dengta.vision.capture sends it, PNG unless asked for JPEG. */
async function picture(level: number, serial: string, ts = START, format: "png" | "jpeg" = "png"): Promise<ImageValue> {
  const flat = sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: level, g: level, b: level } } });
  const bytes = await (format === "png" ? flat.png() : flat.jpeg()).toBuffer();
  return { [format]: bytes, width: WIDTH, height: HEIGHT, serial, ts, camera: "main" };
}

function startInspect(dataDir: string, config: Record<string, unknown>) {
  return runInHarness({
    nodes: { inspect: { block: visionOnnx, config, outputs: ["verdict"], queue: { size: 4, overflow: "block" } } },
    capture: ["inspect.verdict"],
    inject: ["inspect.image"],
    dataDir,
  });
}

function verdicts(run: Awaited<ReturnType<typeof startInspect>>): Verdict[] {
  return (run.captured.get("inspect.verdict") ?? []).map((m) => m.value as Verdict);
}

/** The start failure, which must be a BlockError worded in both languages. */
async function startError(dataDir: string, config: Record<string, unknown>): Promise<BlockError["text"]> {
  const error: unknown = await startInspect(dataDir, config).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BlockError);
  return (error as BlockError).text;
}

/** The one inference thread running now; the block keeps exactly one per node. */
function onlyThread(): Worker {
  expect(InferenceWorker.threads.size).toBe(1);
  return [...InferenceWorker.threads][0]!;
}

describe("dengta.vision.onnx", () => {
  it("classifies bright parts as ok and dark ones as defects, in order, with the inference time", async () => {
    const data = dataFolder();
    writeBrightnessClassifier(data.model("brightness.onnx"));
    const run = await startInspect(data.dir, {
      model: "models/brightness.onnx", task: "classification", labels: CLASSIFIER_LABELS, rejectLabels: ["defect"], threshold: 0.8,
    });
    const images = [await picture(230, "P-1", START + 1), await picture(25, "P-2", START + 2), await picture(128, "P-3", START + 3)];
    for (const image of images) run.send("inspect.image", image, image.ts);
    await run.runUntil();
    const [bright, dark, gray] = verdicts(run);

    expect(bright).toMatchObject({ serial: "P-1", pass: true, label: "ok", labelTitle: { en: "OK", "zh-CN": "合格" }, reasons: [], model: "brightness.onnx", ts: START + 1 });
    expect(bright?.score).toBeGreaterThan(0.99);
    expect(bright?.image).toBe(images[0]);
    expect(bright?.detections).toBeUndefined();

    expect(dark).toMatchObject({ serial: "P-2", pass: false, label: "defect", ts: START + 2 });
    expect(dark?.score).toBeGreaterThan(0.99);
    expect(dark?.reasons).toEqual([{ code: "rejected-label", en: expect.stringMatching(/^classified as Defect \(score 1\.00\)$/), "zh-CN": "判定为缺陷（置信度 1.00）" }]);

    // Mid-gray: both logits near 0, so the top class scores about 0.51, below 0.8.
    expect(gray).toMatchObject({ serial: "P-3", pass: false, label: "ok", reasons: [{ code: "low-confidence" }] });
    expect(gray?.score).toBeCloseTo(0.51, 2);
    expect(gray?.reasons[0]?.en).toMatch(/top class OK scored 0\.51, below the threshold 0\.8/);
    expect(gray?.reasons[0]?.["zh-CN"]).toMatch(/最高类别合格的置信度 0\.51 低于阈值 0\.8/);

    for (const verdict of [bright, dark, gray]) {
      expect(verdict?.measurements.inferenceMs).toBeGreaterThan(0);
      expect(verdict?.measurements.preprocessMs).toBeGreaterThan(0);
    }
    const times = [bright, dark, gray].map((v) => v!.measurements);
    console.info(`vision-onnx classification: preprocess ${times.map((t) => t.preprocessMs).join(" / ")} ms, inference ${times.map((t) => t.inferenceMs).join(" / ")} ms`);
    expect(run.engine.counters()).toMatchObject({ "inspect.pass": 1, "inspect.fail": 2 });
    expect(run.logs.filter((l) => l.level === "info").map((l) => l.message)).toEqual([
      "model brightness.onnx loaded: input 'image' [1, 1, 16, 16], classification",
    ]);
    await run.stop();
  });

  it("takes the input size from the config when the model leaves it open, and needs it then", async () => {
    const data = dataFolder();
    const file = writeBrightnessClassifier(data.model("any-size.onnx"), "h", "w");
    const text = await startError(data.dir, { model: file, task: "classification", labels: CLASSIFIER_LABELS });
    expect(text.en).toBe(`model ${file}: input 'image' [1, 1, h, w] does not fix its height; set input.height`);
    expect(text["zh-CN"]).toBe(`模型 ${file}：输入 'image' [1, 1, h, w] 未固定高度；请设置 input.height`);

    const run = await startInspect(data.dir, { model: file, task: "classification", labels: CLASSIFIER_LABELS, input: { width: 8, height: 6 } });
    run.send("inspect.image", await picture(25, "P-9"));
    await run.runUntil();
    expect(verdicts(run).map((v) => [v.serial, v.pass, v.label])).toEqual([["P-9", true, "defect"]]);
    expect(run.logs[0]?.message).toMatch(/input 'image' \[1, 1, 6, 8\]/);
    await run.stop();
  });

  it("detects boxes in [N, 6] rows, keeps those above the threshold, and fails the part on a rejected class", async () => {
    const data = dataFolder();
    writeConstantDetector(data.model("detector.onnx"), [
      [4, 4, 12, 12, 0.9, 1],
      [16, 16, 20, 20, 0.3, 0],
      [0, 0, 32, 32, 0.7, 0],
      [30, 30, 40, 40, 0.8, 7],
    ]);
    const config = { model: "models/detector.onnx", task: "detection", labels: DETECTOR_LABELS, input: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } };

    const strict = await startInspect(data.dir, { ...config, rejectLabels: ["scratch"] });
    strict.send("inspect.image", await picture(200, "D-1", START + 7), START + 7);
    await strict.runUntil();
    const [found] = verdicts(strict);
    // Model input 32 × 32, image 64 × 48: x doubles, y grows by 1.5, clamped to the image.
    expect(found).toMatchObject({
      serial: "D-1", pass: false, label: "scratch", score: 0.9, ts: START + 7,
      detections: [
        { label: "scratch", labelTitle: { en: "Scratch", "zh-CN": "划痕" }, score: 0.9, box: [8, 6, 24, 18] },
        { label: "class-7", labelTitle: { en: "class 7", "zh-CN": "类别 7" }, score: 0.8, box: [60, 45, 64, 48] },
        { label: "part", score: 0.7, box: [0, 0, 64, 48] },
      ],
      reasons: [{ code: "rejected-label", en: "Scratch found (score 0.90) at 8,6–24,18", "zh-CN": "检出划痕（置信度 0.90），位置 8,6–24,18" }],
    });
    expect(found?.measurements.inferenceMs).toBeGreaterThan(0);
    console.info(`vision-onnx detection: preprocess ${found?.measurements.preprocessMs} ms, inference ${found?.measurements.inferenceMs} ms`);
    await strict.stop();

    const partsOnly = await startInspect(data.dir, { ...config, classes: ["part"], rejectLabels: ["scratch"] });
    partsOnly.send("inspect.image", await picture(200, "D-2"));
    await partsOnly.runUntil();
    expect(verdicts(partsOnly)).toMatchObject([{ serial: "D-2", pass: true, label: "part", score: 0.7, reasons: [], detections: [{ label: "part" }] }]);
    await partsOnly.stop();

    // Nothing left after the class filter and the threshold: the part passes.
    const anyBox = await startInspect(data.dir, { ...config, classes: ["part"], threshold: 0.75 });
    anyBox.send("inspect.image", await picture(200, "D-3"));
    await anyBox.runUntil();
    expect(verdicts(anyBox)).toMatchObject([{ serial: "D-3", pass: true, label: null, score: null, detections: [], reasons: [] }]);
    await anyBox.stop();
  });

  it("reads normalized boxes and fails on any box when rejectLabels is not set", async () => {
    const data = dataFolder();
    writeConstantDetector(data.model("normalized.onnx"), [[0.25, 0.5, 0.5, 1, 0.6, 0]]);
    const run = await startInspect(data.dir, { model: "models/normalized.onnx", task: "detection", labels: DETECTOR_LABELS, boxes: "normalized" });
    run.send("inspect.image", await picture(90, "N-1"));
    await run.runUntil();
    expect(verdicts(run)).toMatchObject([{ pass: false, label: "part", detections: [{ box: [16, 24, 32, 48] }], reasons: [{ code: "rejected-label" }] }]);
    await run.stop();
  });

  it("refuses to start, in both languages and naming the file, when the model is missing or not ONNX", async () => {
    const data = dataFolder();
    const missing = await startError(data.dir, { model: "models/none.onnx", task: "classification", labels: CLASSIFIER_LABELS });
    const path = join(data.dir, "models", "none.onnx");
    expect(missing.en).toBe(`model file not found: ${path} (config 'model'; a relative path is read from the bundle's data folder)`);
    expect(missing["zh-CN"]).toBe(`找不到模型文件：${path}（配置项 'model'；相对路径从包的数据目录读取）`);

    writeFileSync(data.model("broken.onnx"), "this is not a protobuf model");
    const broken = await startError(data.dir, { model: "models/broken.onnx", task: "classification", labels: CLASSIFIER_LABELS });
    expect(broken.en).toMatch(new RegExp(`^model file ${data.model("broken.onnx")} is not a valid ONNX model`));
    expect(broken["zh-CN"]).toMatch(new RegExp(`^模型文件 ${data.model("broken.onnx")} 不是有效的 ONNX 模型`));
  });

  it("refuses a model whose input is not an image [1, C, H, W] or does not match the config", async () => {
    const data = dataFolder();
    const vector = writeVectorModel(data.model("vector.onnx"));
    const wrongShape = await startError(data.dir, { model: vector, task: "classification", labels: CLASSIFIER_LABELS });
    expect(wrongShape).toEqual({
      en: `model ${vector}: input 'features' has shape [1, 10]; this block feeds an image as [1, C, H, W] (NCHW, float32, C = 1 for gray or 3 for RGB)`,
      "zh-CN": `模型 ${vector}：输入 'features' 的形状为 [1, 10]；本功能块按 [1, C, H, W] 输入图像（NCHW，float32，灰度 C = 1，RGB C = 3）`,
    });

    const gray = writeBrightnessClassifier(data.model("gray.onnx"));
    const color = await startError(data.dir, { model: gray, task: "classification", labels: CLASSIFIER_LABELS, input: { color: "rgb" } });
    expect(color.en).toMatch(/input 'image' takes 1 channel\(s\) \[1, 1, 16, 16\], but input.color is rgb/);
    expect(color["zh-CN"]).toMatch(/输入 'image' 为 1 通道 \[1, 1, 16, 16\]，但 input.color 为 rgb/);

    const size = await startError(data.dir, { model: gray, task: "classification", labels: CLASSIFIER_LABELS, input: { width: 32 } });
    expect(size.en).toMatch(/has width 16 \[1, 1, 16, 16\], but input.width is 32/);

    const labels = await startError(data.dir, { model: gray, task: "classification", labels: [...CLASSIFIER_LABELS, { id: "chip", en: "Chip", "zh-CN": "崩边" }] });
    expect(labels.en).toMatch(/output 'logits' \[1, 2\] gives 2 scores, but 3 labels are configured/);
    expect(labels["zh-CN"]).toMatch(/输出 'logits' \[1, 2\] 给出 2 个分数，但配置了 3 个标签/);

    const detection = await startError(data.dir, { model: gray, task: "detection", labels: CLASSIFIER_LABELS });
    expect(detection.en).toMatch(/detection needs rows of \[x1, y1, x2, y2, score, class\]/);

    const unknown = await startError(data.dir, { model: gray, task: "classification", labels: CLASSIFIER_LABELS, rejectLabels: ["scratch"] });
    expect(unknown).toEqual({ en: "rejectLabels names 'scratch', which is not one of the labels (ok, defect)", "zh-CN": "rejectLabels 中的 'scratch' 不在 labels 中（ok、defect）" });
  });

  it("fails a part whose picture cannot be decoded, logs why, and goes on; ignores what is not an image; reads JPEG", async () => {
    const data = dataFolder();
    writeBrightnessClassifier(data.model("brightness.onnx"));
    const run = await startInspect(data.dir, { model: "models/brightness.onnx", task: "classification", labels: CLASSIFIER_LABELS, rejectLabels: ["defect"] });
    run.send("inspect.image", { png: Buffer.from("not a png"), width: WIDTH, height: HEIGHT, serial: "B-1", ts: START, camera: "main" });
    run.send("inspect.image", { serial: "B-2" });
    run.send("inspect.image", await picture(230, "B-3", START, "jpeg"));
    await run.runUntil();
    expect(verdicts(run)).toMatchObject([
      { serial: "B-1", pass: false, label: null, score: null, reasons: [{ code: "image-unreadable", en: expect.stringMatching(/^the image could not be decoded: /), "zh-CN": expect.stringMatching(/^图像无法解码：/) }] },
      { serial: "B-3", pass: true, label: "ok" },
    ]);
    expect(run.logs.filter((l) => l.level === "error").map((l) => l.message)).toEqual([expect.stringMatching(/^the image could not be decoded/)]);
    expect(run.engine.counters()).toMatchObject({ "inspect.invalid": 1, "inspect.fail": 1, "inspect.pass": 1 });
    expect(run.engine.stats()["inspect"]?.errors).toBe(0);
    await run.stop();
  });

  it("runs one inference at a time and decides every queued image, in order, without dropping one", async () => {
    const data = dataFolder();
    writeBrightnessClassifier(data.model("brightness.onnx"));
    const run = await startInspect(data.dir, { model: "models/brightness.onnx", task: "classification", labels: CLASSIFIER_LABELS, rejectLabels: ["defect"] });
    const levels = [230, 25, 230, 230, 25, 230, 25, 25, 230, 230];
    const images = await Promise.all(levels.map((level, i) => picture(level, `Q-${i + 1}`, START + i)));
    for (const image of images) run.send("inspect.image", image, image.ts);
    // The first is running; the rest wait in the queue.
    expect(run.engine.stats()["inspect"]?.queued).toBe(levels.length - 1);
    await run.runUntil();
    expect(verdicts(run).map((v) => [v.serial, v.pass])).toEqual(levels.map((level, i) => [`Q-${i + 1}`, level > 128]));
    expect(run.engine.stats()["inspect"]).toMatchObject({ dropped: 0, errors: 0, queued: 0 });
    await run.stop();
  });

  it("runs the model on a thread of its own: the main thread's timers keep firing during an inference", async () => {
    const data = dataFolder();
    // About 6.4 GFLOP: some 60 ms on a fast desktop core, longer on an edge box.
    writeSlowClassifier(data.model("slow.onnx"), 512, 24);
    const run = await startInspect(data.dir, { model: "models/slow.onnx", task: "classification", labels: CLASSIFIER_LABELS, threads: 1 });
    const thread = onlyThread();
    let answered = 0;
    thread.on("message", () => { answered = performance.now(); });
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 5);
    try {
      run.send("inspect.image", await picture(230, "S-1"));
      await run.runUntil();
    } finally {
      clearInterval(timer);
    }
    const [verdict] = verdicts(run);
    const inferenceMs = verdict!.measurements.inferenceMs;
    const during = ticks.filter((t) => t > answered - inferenceMs && t < answered).length;
    console.info(`vision-onnx slow model: inference ${inferenceMs} ms, ${during} ticks of a 5 ms timer meanwhile`);
    // With session.run() on the main thread not one tick falls inside; a free loop gets one per 5 ms
    // (a quarter of them asked for: on a loaded machine the timer wakes late, never not at all).
    expect(inferenceMs).toBeGreaterThan(30);
    expect(during).toBeGreaterThanOrEqual(Math.max(2, Math.floor(inferenceMs / 5 / 4)));
    await run.stop();
  });

  it("keeps the intra-op thread count from the config", async () => {
    const data = dataFolder();
    writeBrightnessClassifier(data.model("brightness.onnx"));
    const run = await startInspect(data.dir, { model: "models/brightness.onnx", task: "classification", labels: CLASSIFIER_LABELS, threads: 2 });
    run.send("inspect.image", await picture(230, "T-1"));
    await run.runUntil();
    expect(verdicts(run)).toMatchObject([{ serial: "T-1", pass: true, label: "ok" }]);
    await run.stop();
  });

  it("ends its inference thread on stop, and leaves none behind when the start fails", async () => {
    const data = dataFolder();
    writeBrightnessClassifier(data.model("brightness.onnx"));
    const run = await startInspect(data.dir, { model: "models/brightness.onnx", task: "classification", labels: CLASSIFIER_LABELS });
    const thread = onlyThread();
    let exitCode: number | undefined;
    thread.on("exit", (code) => { exitCode = code; });
    await run.stop();
    expect(exitCode).toBeDefined();
    expect(InferenceWorker.threads.size).toBe(0);

    writeFileSync(data.model("broken.onnx"), "this is not a protobuf model");
    await startError(data.dir, { model: "models/broken.onnx", task: "classification", labels: CLASSIFIER_LABELS });
    await startError(data.dir, { model: "models/brightness.onnx", task: "detection", labels: CLASSIFIER_LABELS });
    expect(InferenceWorker.threads.size).toBe(0);
  });

  it("fails the part whose inference thread died, says so in both languages, and starts a new thread for the next part", async () => {
    const data = dataFolder();
    writeBrightnessClassifier(data.model("brightness.onnx"));
    const run = await startInspect(data.dir, { model: "models/brightness.onnx", task: "classification", labels: CLASSIFIER_LABELS, rejectLabels: ["defect"] });
    const first = onlyThread();
    // The thread dies as soon as it has the picture: the inference is in flight.
    const post = first.postMessage.bind(first);
    first.postMessage = (...args: Parameters<Worker["postMessage"]>) => {
      post(...args);
      void first.terminate();
    };
    run.send("inspect.image", await picture(230, "C-1"));
    run.send("inspect.image", await picture(230, "C-2"));
    await run.runUntil();

    expect(verdicts(run)).toMatchObject([
      {
        serial: "C-1", pass: false, label: null, score: null,
        reasons: [{
          code: "inference-failed",
          en: "the model failed on this image: the inference thread stopped unexpectedly (exit code 1)",
          "zh-CN": "模型处理该图像失败：推理线程意外退出（退出码 1）",
        }],
      },
      { serial: "C-2", pass: true, label: "ok" },
    ]);
    expect(run.logs.filter((l) => l.level === "error").map((l) => l.message).sort()).toEqual([
      "model brightness.onnx: the inference thread stopped unexpectedly (exit code 1); it starts again with the next image",
      "the model failed on this image: the inference thread stopped unexpectedly (exit code 1)",
    ]);
    expect(onlyThread()).not.toBe(first);
    await run.stop();
    expect(InferenceWorker.threads.size).toBe(0);
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { model: "models/m.onnx", task: "classification", labels: CLASSIFIER_LABELS };
    expect(validateConfig(config)).toBe(true);
    expect(config).toMatchObject({ threshold: 0.5, scores: "auto", boxes: "pixels", threads: 1, input: {} });
    expect(validateConfig({ model: "/opt/models/m.onnx", task: "detection", labels: DETECTOR_LABELS, classes: ["scratch"], input: { color: "rgb", mean: [0.5, 0.5, 0.5], std: [0.5] } })).toBe(true);
    expect(validateConfig({ model: "m.onnx", task: "segmentation", labels: CLASSIFIER_LABELS })).toBe(false);
    expect(validateConfig({ model: "m.onnx", task: "classification", labels: [] })).toBe(false);
    expect(validateConfig({ model: "m.onnx", task: "classification", labels: [{ id: "ok", en: "OK" }] })).toBe(false);
    expect(validateConfig({ model: "m.onnx", task: "classification", labels: CLASSIFIER_LABELS, threshold: 1.5 })).toBe(false);
    expect(validateConfig({ model: "m.onnx", task: "classification", labels: CLASSIFIER_LABELS, input: { std: [0] } })).toBe(false);
  });
});
