// A message value turned into what an OPC UA node of a given DataType accepts.
import { DataType, NodeId, VariantArrayType, type VariantOptions } from "node-opcua-client";
import { OpcuaError, text } from "./text.ts";

const NUMERIC = new Set([
  DataType.SByte, DataType.Byte, DataType.Int16, DataType.UInt16, DataType.Int32, DataType.UInt32,
  DataType.Int64, DataType.UInt64, DataType.Float, DataType.Double,
]);

export function toVariant(value: unknown, dataType: DataType): VariantOptions {
  if (Array.isArray(value)) return { dataType, arrayType: VariantArrayType.Array, value: value.map((v) => scalar(v, dataType)) };
  return { dataType, value: scalar(value, dataType) };
}

function scalar(value: unknown, dataType: DataType): unknown {
  if (dataType === DataType.Boolean) return toBoolean(value);
  if (NUMERIC.has(dataType)) return toNumber(value, dataType);
  if (dataType === DataType.String) return typeof value === "string" ? value : JSON.stringify(value);
  if (dataType === DataType.DateTime) return new Date(value as number | string);
  return value;
}

function toBoolean(value: unknown): boolean {
  if (typeof value === "string") return value === "true" || value === "1";
  return Boolean(value);
}

function toNumber(value: unknown, dataType: DataType): number {
  const number = typeof value === "boolean" ? Number(value) : Number(value);
  if (Number.isNaN(number)) {
    throw new OpcuaError(text(`cannot write ${JSON.stringify(value)} to a ${DataType[dataType]} node`, `无法把 ${JSON.stringify(value)} 写入 ${DataType[dataType]} 类型的节点`));
  }
  return number;
}

/** A DataType NodeId of namespace 0 up to 25 is a built-in type; anything else travels as is. */
export function builtInOf(dataTypeId: NodeId | null | undefined): DataType {
  if (dataTypeId && dataTypeId.namespace === 0 && typeof dataTypeId.value === "number" && dataTypeId.value <= 25) return dataTypeId.value as DataType;
  return DataType.Variant;
}

export function dataTypeName(dataTypeId: NodeId | null | undefined): string | undefined {
  if (!dataTypeId) return undefined;
  const builtIn = builtInOf(dataTypeId);
  return builtIn === DataType.Variant ? dataTypeId.toString() : DataType[builtIn];
}
