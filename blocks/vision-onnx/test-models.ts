// Tiny ONNX models written by the tests themselves, so no model file is checked in.
import { writeFileSync } from "node:fs";
import onnxProto, { type onnx as Onnx } from "onnx-proto";

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

type Dim = number | string;

function tensorInfo(name: string, dims: Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function floats(name: string, dims: number[], values: number[]): Onnx.ITensorProto {
  return { name, dataType: FLOAT, dims, floatData: values };
}

function writeModel(path: string, graph: Onnx.IGraphProto): string {
  const model: Onnx.IModelProto = { irVersion: 8, producerName: "dengta-test", opsetImport: [{ domain: "", version: 13 }], graph };
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

/**
 * Gray input [1, 1, height, width] → GlobalAveragePool → Flatten → Gemm to two logits
 * [ok, defect] = [10m − 5, 5 − 10m] for the mean m of the normalised pixels: a bright picture
 * (m near 1) is "ok", a dark one "defect", mid-gray (m = 0.5) undecided.
 */
export function writeBrightnessClassifier(path: string, height: Dim = 16, width: Dim = 16): string {
  return writeModel(path, {
    name: "brightness",
    node: [
      { opType: "GlobalAveragePool", input: ["image"], output: ["pooled"] },
      { opType: "Flatten", input: ["pooled"], output: ["flat"], attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
      { opType: "Gemm", input: ["flat", "weights", "bias"], output: ["logits"] },
    ],
    initializer: [floats("weights", [1, 2], [10, -10]), floats("bias", [2], [-5, 5])],
    input: [tensorInfo("image", [1, 1, height, width])],
    output: [tensorInfo("logits", [1, 2])],
  });
}

/** RGB input [1, 3, size, size] (unused) → a constant [rows, 6] of detections. */
export function writeConstantDetector(path: string, rows: number[][], size = 32): string {
  return writeModel(path, {
    name: "constant-detections",
    node: [
      {
        opType: "Constant", input: [], output: ["boxes"],
        attribute: [{ name: "value", type: onnx.AttributeProto.AttributeType.TENSOR, t: floats("value", [rows.length, 6], rows.flat()) }],
      },
    ],
    input: [tensorInfo("image", [1, 3, size, size])],
    output: [tensorInfo("boxes", [rows.length, 6])],
  });
}

/** A model whose input is a flat vector [1, 10], not an image. */
export function writeVectorModel(path: string): string {
  return writeModel(path, {
    name: "vector",
    node: [{ opType: "Identity", input: ["features"], output: ["same"] }],
    input: [tensorInfo("features", [1, 10])],
    output: [tensorInfo("same", [1, 10])],
  });
}

/**
 * Gray input [1, 1, size, size] through `steps` matrix products with itself (each through Tanh, to
 * keep the values finite), then the brightness classifier's head: about 2·size³·steps floating-point
 * operations, for a model slow enough to be seen running. What it decides means nothing.
 */
export function writeSlowClassifier(path: string, size: number, steps: number): string {
  const node: Onnx.INodeProto[] = [];
  let last = "image";
  for (let i = 0; i < steps; i++) {
    node.push({ opType: "MatMul", input: [last, "image"], output: [`product${i}`] });
    node.push({ opType: "Tanh", input: [`product${i}`], output: [`bounded${i}`] });
    last = `bounded${i}`;
  }
  node.push(
    { opType: "GlobalAveragePool", input: [last], output: ["pooled"] },
    { opType: "Flatten", input: ["pooled"], output: ["flat"], attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
    { opType: "Gemm", input: ["flat", "weights", "bias"], output: ["logits"] },
  );
  return writeModel(path, {
    name: "slow",
    node,
    initializer: [floats("weights", [1, 2], [10, -10]), floats("bias", [2], [-5, 5])],
    input: [tensorInfo("image", [1, 1, size, size])],
    output: [tensorInfo("logits", [1, 2])],
  });
}
