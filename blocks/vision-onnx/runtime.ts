import { statSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import type * as ort from "onnxruntime-node";
import sharp from "sharp";
import { BlockError, defineBlock, type BlockContext, type Message } from "../../runtime/block.ts";
import { imageInput, isImageValue, type ImageValue } from "../lib/vision/image.ts";
import type { Reason } from "../lib/vision/verdict.ts";
import { InferenceThreadStopped, InferenceWorker, type SessionInfo } from "./inference-worker.ts";

type Text = { en: string; "zh-CN": string };

interface Label extends Text {
  id: string;
}

interface InputConfig {
  width?: number;
  height?: number;
  color?: "gray" | "rgb";
  scale?: number;
  mean?: number[];
  std?: number[];
}

interface Config {
  model: string;
  task: "classification" | "detection";
  labels: Label[];
  threshold?: number;
  rejectLabels?: string[];
  classes?: string[];
  scores?: "auto" | "logits" | "probabilities";
  boxes?: "pixels" | "normalized";
  input?: InputConfig;
  threads?: number;
}

export interface Detection {
  label: string;
  labelTitle: Text;
  score: number;
  /** [x1, y1, x2, y2]: top-left and bottom-right corners, in pixels of the original image. */
  box: [number, number, number, number];
}

export interface Verdict {
  serial: string;
  pass: boolean;
  /** Label id of the top class, or of the detection that decided; null when there is none. */
  label: string | null;
  labelTitle: Text | null;
  score: number | null;
  detections?: Detection[];
  /** Why the part failed; empty when it passed. */
  reasons: Reason[];
  measurements: { preprocessMs: number; inferenceMs: number };
  /** File name of the model that decided, for the quality record. */
  model: string;
  ts: number;
  image: ImageValue;
}

/** The model's input as the block feeds it: always [1, channels, height, width], float32. */
interface ModelInput {
  name: string;
  channels: 1 | 3;
  width: number;
  height: number;
  scale: number;
  mean: number[];
  std: number[];
}

interface OpenModel {
  /** The session, on a thread of its own. */
  worker: InferenceWorker;
  file: string;
  input: ModelInput;
  output: string;
}

interface State {
  model: OpenModel | undefined;
}

type Context = BlockContext<Config, State>;

const DETECTION_COLUMNS = 6;

export default defineBlock<Config, State>({
  createState: () => ({ model: undefined }),

  async start(ctx) {
    checkLabelIds(ctx.config);
    const model = await openModel(modelFile(ctx.site.dataDir, ctx.config.model), ctx);
    ctx.state.model = model;
    const { channels, height, width } = model.input;
    ctx.log.info({
      en: `model ${basename(model.file)} loaded: input '${model.input.name}' [1, ${channels}, ${height}, ${width}], ${ctx.config.task}`,
      "zh-CN": `模型 ${basename(model.file)} 已加载：输入 '${model.input.name}' [1, ${channels}, ${height}, ${width}]，${ctx.config.task === "classification" ? "分类" : "目标检测"}`,
    });
  },

  onMessage(_port, msg, ctx) {
    const model = ctx.state.model;
    if (model === undefined) throw new Error("vision-onnx block received a message before start");
    const image = imageIn(msg, ctx);
    if (image === undefined) return;
    // Returning the promise lets the engine queue the next image until this one is decided.
    return inspect(image, msg, model, ctx);
  },

  async stop(ctx) {
    const model = ctx.state.model;
    ctx.state.model = undefined;
    await model?.worker.close();
  },
});

/** Relative to the bundle's data folder, where models are deployed with the APP. */
function modelFile(dataDir: string, model: string): string {
  return isAbsolute(model) ? model : resolve(dataDir, model);
}

function checkLabelIds(config: Config): void {
  const ids = new Set(config.labels.map((l) => l.id));
  for (const field of ["rejectLabels", "classes"] as const) {
    for (const id of config[field] ?? []) {
      if (!ids.has(id)) {
        throw new BlockError({
          en: `${field} names '${id}', which is not one of the labels (${[...ids].join(", ")})`,
          "zh-CN": `${field} 中的 '${id}' 不在 labels 中（${[...ids].join("、")}）`,
        });
      }
    }
  }
}

async function openModel(file: string, ctx: Context): Promise<OpenModel> {
  const config = ctx.config;
  if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) {
    throw new BlockError({
      en: `model file not found: ${file} (config 'model'; a relative path is read from the bundle's data folder)`,
      "zh-CN": `找不到模型文件：${file}（配置项 'model'；相对路径从包的数据目录读取）`,
    });
  }
  let opened: Awaited<ReturnType<typeof InferenceWorker.open>>;
  try {
    opened = await InferenceWorker.open(file, {
      executionProviders: ["cpu"],
      intraOpNumThreads: config.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
    }, (stopped) => logCrash(stopped, file, ctx));
  } catch (error) {
    if (error instanceof InferenceThreadStopped) throw new BlockError(prefixed(stoppedText(error), `model ${file}: `, `模型 ${file}：`));
    const reason = error instanceof Error ? error.message : String(error);
    throw new BlockError({
      en: `model file ${file} is not a valid ONNX model, or uses an operator or opset this runtime cannot run: ${reason}`,
      "zh-CN": `模型文件 ${file} 不是有效的 ONNX 模型，或使用了本运行时不支持的算子或 opset：${reason}`,
    });
  }
  const { worker, info } = opened;
  try {
    return { worker, file, input: modelInput(info, file, config), output: modelOutput(info, file, config) };
  } catch (error) {
    await worker.close();
    throw error;
  }
}

function stoppedText(stopped: InferenceThreadStopped): Text {
  if (stopped.byClose) return { en: "the block was stopped during the inference", "zh-CN": "推理进行中功能块被停止" };
  const why = stopped.reason === undefined ? "" : `: ${stopped.reason}`;
  return {
    en: `the inference thread stopped unexpectedly (exit code ${stopped.exitCode}${why})`,
    "zh-CN": `推理线程意外退出（退出码 ${stopped.exitCode}${why}）`,
  };
}

function prefixed(text: Text, en: string, zh: string): Text {
  return { en: en + text.en, "zh-CN": zh + text["zh-CN"] };
}

function logCrash(stopped: InferenceThreadStopped, file: string, ctx: Context): void {
  const text = stoppedText(stopped);
  ctx.log.error({
    en: `model ${basename(file)}: ${text.en}; it starts again with the next image`,
    "zh-CN": `模型 ${basename(file)}：${text["zh-CN"]}；将在下一张图像时重新启动`,
  });
}

function modelProblem(file: string, en: string, zh: string): BlockError {
  return new BlockError({ en: `model ${file}: ${en}`, "zh-CN": `模型 ${file}：${zh}` });
}

function shapeText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(", ")}]`;
}

/** Reads size and channels from the model when it fixes them; the config fills in what it leaves open. */
function modelInput(session: SessionInfo, file: string, config: Config): ModelInput {
  if (session.inputNames.length !== 1) {
    throw modelProblem(file,
      `it has ${session.inputNames.length} inputs (${session.inputNames.join(", ")}); this block feeds exactly one image`,
      `它有 ${session.inputNames.length} 个输入（${session.inputNames.join("、")}）；本功能块只输入一张图像`);
  }
  const meta = session.inputMetadata[0];
  const name = session.inputNames[0]!;
  if (meta === undefined || !meta.isTensor || meta.type !== "float32") {
    const type = meta?.isTensor ? meta.type : "not a tensor";
    throw modelProblem(file, `input '${name}' is ${type}; this block feeds float32`, `输入 '${name}' 的类型为 ${type}；本功能块输入 float32`);
  }
  const shape = meta.shape;
  const [batch, channels, height, width] = shape;
  const wrongShape = () => modelProblem(file,
    `input '${name}' has shape ${shapeText(shape)}; this block feeds an image as [1, C, H, W] (NCHW, float32, C = 1 for gray or 3 for RGB)`,
    `输入 '${name}' 的形状为 ${shapeText(shape)}；本功能块按 [1, C, H, W] 输入图像（NCHW，float32，灰度 C = 1，RGB C = 3）`);
  if (shape.length !== 4 || (typeof batch === "number" && batch !== 1)) throw wrongShape();
  if (typeof channels === "number" && channels !== 1 && channels !== 3) throw wrongShape();

  const input = config.input ?? {};
  const wanted = input.color === undefined ? undefined : input.color === "gray" ? 1 : 3;
  if (typeof channels === "number" && wanted !== undefined && wanted !== channels) {
    throw modelProblem(file,
      `input '${name}' takes ${channels} channel(s) ${shapeText(shape)}, but input.color is ${input.color}`,
      `输入 '${name}' 为 ${channels} 通道 ${shapeText(shape)}，但 input.color 为 ${input.color}`);
  }
  const channelCount = (typeof channels === "number" ? channels : wanted ?? 3) as 1 | 3;
  const size = (fixed: number | string | undefined, configured: number | undefined, field: "width" | "height", zh: string): number => {
    if (typeof fixed === "number") {
      if (fixed < 1) throw wrongShape();
      if (configured !== undefined && configured !== fixed) {
        throw modelProblem(file,
          `input '${name}' has ${field} ${fixed} ${shapeText(shape)}, but input.${field} is ${configured}`,
          `输入 '${name}' 的${zh}为 ${fixed} ${shapeText(shape)}，但 input.${field} 为 ${configured}`);
      }
      return fixed;
    }
    if (configured === undefined) {
      throw modelProblem(file,
        `input '${name}' ${shapeText(shape)} does not fix its ${field}; set input.${field}`,
        `输入 '${name}' ${shapeText(shape)} 未固定${zh}；请设置 input.${field}`);
    }
    return configured;
  };
  return {
    name,
    channels: channelCount,
    height: size(height, input.height, "height", "高度"),
    width: size(width, input.width, "width", "宽度"),
    scale: input.scale ?? 1 / 255,
    mean: perChannel(input.mean ?? [0], channelCount, "mean", file),
    std: perChannel(input.std ?? [1], channelCount, "std", file),
  };
}

function perChannel(values: number[], channels: number, field: string, file: string): number[] {
  if (values.length === 1) return Array.from({ length: channels }, () => values[0]!);
  if (values.length === channels) return values;
  throw modelProblem(file,
    `input.${field} has ${values.length} values; give 1, or ${channels} for the model's ${channels} channel(s)`,
    `input.${field} 有 ${values.length} 个值；应为 1 个，或与模型通道数相同的 ${channels} 个`);
}

/** The first output; its last dimension, when fixed, must fit the task. */
function modelOutput(session: SessionInfo, file: string, config: Config): string {
  const name = session.outputNames[0];
  const meta = session.outputMetadata[0];
  if (name === undefined) throw modelProblem(file, "it has no output", "它没有输出");
  if (meta === undefined || !meta.isTensor) return name;
  const last = meta.shape.at(-1);
  if (typeof last !== "number") return name;
  if (config.task === "classification" && meta.shape.length > 0 && last !== config.labels.length) {
    throw modelProblem(file,
      `output '${name}' ${shapeText(meta.shape)} gives ${last} scores, but ${config.labels.length} labels are configured`,
      `输出 '${name}' ${shapeText(meta.shape)} 给出 ${last} 个分数，但配置了 ${config.labels.length} 个标签`);
  }
  if (config.task === "detection" && last !== DETECTION_COLUMNS) {
    throw modelProblem(file,
      `output '${name}' has shape ${shapeText(meta.shape)}; detection needs rows of [x1, y1, x2, y2, score, class], shape [N, 6] or [1, N, 6]`,
      `输出 '${name}' 的形状为 ${shapeText(meta.shape)}；目标检测需要 [x1, y1, x2, y2, score, class] 的行，形状 [N, 6] 或 [1, N, 6]`);
  }
  return name;
}

function imageIn(msg: Message, ctx: Context): ImageValue | undefined {
  if (isImageValue(msg.value)) return msg.value;
  ctx.log.warn({
    en: "ignored a message that is not an image { png | jpeg | path, width, height, serial, ts }",
    "zh-CN": "忽略了不是图像 { png | jpeg | path, width, height, serial, ts } 的消息",
  }, { source: msg.source });
  ctx.metrics.count("invalid");
  return undefined;
}

async function inspect(image: ImageValue, msg: Message, model: OpenModel, ctx: Context): Promise<void> {
  const measurements = { preprocessMs: 0, inferenceMs: 0 };
  const decision = await decide(image, model, ctx, measurements);
  const verdict: Verdict = {
    serial: image.serial, ...decision, measurements, model: basename(model.file), ts: typeof image.ts === "number" ? image.ts : msg.ts, image,
  };
  ctx.metrics.count(verdict.pass ? "pass" : "fail");
  ctx.emit("verdict", verdict, { ts: msg.ts, quality: msg.quality });
}

async function decide(image: ImageValue, model: OpenModel, ctx: Context, measurements: Verdict["measurements"]): Promise<Decision> {
  // performance.now() measures elapsed work, not time of day: the engine clock would not see it.
  const started = performance.now();
  let tensor: ImageTensor;
  try {
    tensor = await toTensor(imageInput(image)!, model.input);
  } catch (error) {
    return failure("image-unreadable", { en: `the image could not be decoded: ${describe(error)}`, "zh-CN": `图像无法解码：${describe(error)}` }, ctx, image);
  }
  const preprocessed = performance.now();
  measurements.preprocessMs = round3(preprocessed - started);

  let output: ort.Tensor;
  try {
    output = await model.worker.run(model.input.name, tensor.data, tensor.dims, model.output);
  } catch (error) {
    const text = error instanceof InferenceThreadStopped ? stoppedText(error) : { en: describe(error), "zh-CN": describe(error) };
    return failure("inference-failed", prefixed(text, "the model failed on this image: ", "模型处理该图像失败："), ctx, image);
  } finally {
    measurements.inferenceMs = round3(performance.now() - preprocessed);
    ctx.metrics.gauge("inferenceMs", measurements.inferenceMs);
  }

  const task = ctx.config.task;
  const decision = task === "classification" ? classify(output, ctx.config) : detect(output, ctx.config, model.input, image);
  if (typeof decision !== "string") return decision;
  return failure("output-invalid", {
    en: `the model's output does not fit the ${task} task: ${decision}`,
    "zh-CN": `模型输出不符合${task === "classification" ? "分类" : "目标检测"}任务：${decision}`,
  }, ctx, image);
}

type Decision = Pick<Verdict, "pass" | "label" | "labelTitle" | "score" | "detections" | "reasons">;

/** A part that could not be judged fails: letting it through unseen is the costlier mistake. */
function failure(code: string, text: Text, ctx: Context, image: ImageValue): Decision {
  ctx.log.error(text, { serial: image.serial });
  return { pass: false, label: null, labelTitle: null, score: null, reasons: [{ code, ...text }] };
}

interface ImageTensor {
  data: Float32Array;
  dims: [1, number, number, number];
}

/** Resized to the model's size (stretched), gray or RGB, normalised, laid out NCHW. */
async function toTensor(picture: Buffer | string, input: ModelInput): Promise<ImageTensor> {
  const resized = sharp(picture).resize(input.width, input.height, { fit: "fill" }).removeAlpha();
  const pipeline = input.channels === 1 ? resized.grayscale() : resized.toColourspace("srgb");
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const stride = info.channels;
  const plane = input.width * input.height;
  const tensor = new Float32Array(input.channels * plane);
  for (let c = 0; c < input.channels; c++) {
    // A gray picture asked for as RGB may still come back with one channel: repeat it.
    const source = stride === 1 ? 0 : c;
    const scale = input.scale / input.std[c]!;
    const offset = input.mean[c]! / input.std[c]!;
    const out = c * plane;
    for (let i = 0; i < plane; i++) tensor[out + i] = data[i * stride + source]! * scale - offset;
  }
  return { data: tensor, dims: [1, input.channels, input.height, input.width] };
}

function classify(output: ort.Tensor, config: Config): Decision | string {
  const raw = output.data;
  if (!(raw instanceof Float32Array)) return `output type ${output.type}, expected float32`;
  if (raw.length !== config.labels.length) {
    return `${raw.length} scores ${shapeText(output.dims)} for ${config.labels.length} labels`;
  }
  const scores = probabilities(Array.from(raw), config.scores ?? "auto");
  let top = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[top]!) top = i;
  const label = config.labels[top]!;
  const score = round4(scores[top]!);
  const title = { en: label.en, "zh-CN": label["zh-CN"] };
  const threshold = config.threshold ?? 0.5;
  const reasons: Reason[] = [];
  if ((config.rejectLabels ?? []).includes(label.id)) {
    reasons.push({
      code: "rejected-label",
      en: `classified as ${label.en} (score ${score.toFixed(2)})`,
      "zh-CN": `判定为${label["zh-CN"]}（置信度 ${score.toFixed(2)}）`,
    });
  } else if (score < threshold) {
    reasons.push({
      code: "low-confidence",
      en: `not sure: the top class ${label.en} scored ${score.toFixed(2)}, below the threshold ${threshold}`,
      "zh-CN": `无法确定：最高类别${label["zh-CN"]}的置信度 ${score.toFixed(2)} 低于阈值 ${threshold}`,
    });
  }
  return { pass: reasons.length === 0, label: label.id, labelTitle: title, score, reasons };
}

/** Softmax unless the scores already are probabilities (each in 0..1, summing to 1). */
function probabilities(values: number[], mode: "auto" | "logits" | "probabilities"): number[] {
  if (mode === "probabilities") return values;
  if (mode === "auto") {
    const sum = values.reduce((a, b) => a + b, 0);
    if (values.every((v) => v >= 0 && v <= 1) && Math.abs(sum - 1) < 1e-3) return values;
  }
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

function detect(output: ort.Tensor, config: Config, input: ModelInput, image: ImageValue): Decision | string {
  const data = output.data;
  if (!(data instanceof Float32Array)) return `output type ${output.type}, expected float32`;
  const dims = output.dims;
  const rowsOk = (dims.length === 2 || (dims.length === 3 && dims[0] === 1)) && dims.at(-1) === DETECTION_COLUMNS;
  if (!rowsOk && data.length > 0) return `shape ${shapeText(dims)}, expected [N, 6] or [1, N, 6]`;

  const threshold = config.threshold ?? 0.5;
  const keep = config.classes === undefined ? undefined : new Set(config.classes);
  const [sx, sy] = config.boxes === "normalized"
    ? [image.width, image.height]
    : [image.width / input.width, image.height / input.height];
  const detections: Detection[] = [];
  for (let row = 0; row + DETECTION_COLUMNS <= data.length; row += DETECTION_COLUMNS) {
    const score = data[row + 4]!;
    if (!(score >= threshold)) continue;
    const label = labelOf(config.labels, data[row + 5]!);
    if (keep !== undefined && !keep.has(label.id)) continue;
    detections.push({
      label: label.id,
      labelTitle: { en: label.en, "zh-CN": label["zh-CN"] },
      score: round4(score),
      box: [
        round1(clamp(data[row]! * sx, image.width)),
        round1(clamp(data[row + 1]! * sy, image.height)),
        round1(clamp(data[row + 2]! * sx, image.width)),
        round1(clamp(data[row + 3]! * sy, image.height)),
      ],
    });
  }
  detections.sort((a, b) => b.score - a.score);

  const rejected = config.rejectLabels === undefined ? undefined : new Set(config.rejectLabels);
  const failing = detections.filter((d) => rejected === undefined || rejected.has(d.label));
  const reasons = failing.map((d): Reason => {
    const [x1, y1, x2, y2] = d.box;
    return {
      code: "rejected-label",
      en: `${d.labelTitle.en} found (score ${d.score.toFixed(2)}) at ${x1},${y1}–${x2},${y2}`,
      "zh-CN": `检出${d.labelTitle["zh-CN"]}（置信度 ${d.score.toFixed(2)}），位置 ${x1},${y1}–${x2},${y2}`,
    };
  });
  const decisive = failing[0] ?? detections[0];
  return {
    pass: failing.length === 0,
    label: decisive?.label ?? null,
    labelTitle: decisive?.labelTitle ?? null,
    score: decisive?.score ?? null,
    detections,
    reasons,
  };
}

/** A class index the labels do not name still shows, as its number. */
function labelOf(labels: readonly Label[], value: number): Label {
  const index = Math.round(value);
  return labels[index] ?? { id: `class-${index}`, en: `class ${index}`, "zh-CN": `类别 ${index}` };
}

function clamp(value: number, max: number): number {
  return Math.min(Math.max(value, 0), max);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function round4(value: number): number {
  return Math.round(value * 10000) / 10000;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
