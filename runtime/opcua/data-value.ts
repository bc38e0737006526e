// An OPC UA DataValue as a message: plain value, quality from the StatusCode, the value's own time.
import { DataType, type DataValue, type StatusCode, type Variant } from "node-opcua-client";
import type { Clock, Quality } from "../block.ts";

export interface Reading {
  value: unknown;
  ts: number;
  quality: Quality;
  status: string;
}

export function toReading(dataValue: DataValue, clock: Clock): Reading {
  return {
    value: plainValue(dataValue.value),
    ts: timeOf(dataValue.sourceTimestamp) ?? timeOf(dataValue.serverTimestamp) ?? clock.now(),
    quality: qualityOf(dataValue.statusCode),
    status: dataValue.statusCode.name,
  };
}

/** The two top bits of a StatusCode: 00 good, 01 uncertain, 10 and 11 bad. */
export function qualityOf(status: StatusCode): Quality {
  const severity = status.value >>> 30;
  if (severity === 0) return "good";
  return severity === 1 ? "uncertain" : "bad";
}

function timeOf(date: Date | null | undefined): number | undefined {
  // node-opcua reports a missing timestamp as null or as the OPC UA minimum date (1601).
  const ms = date?.getTime();
  return ms !== undefined && ms > 0 ? ms : undefined;
}

export function plainValue(variant: Variant | null | undefined): unknown {
  if (!variant || variant.dataType === DataType.Null) return null;
  const value: unknown = variant.value;
  if (variant.dataType === DataType.Int64 || variant.dataType === DataType.UInt64) return int64(value);
  return plain(value);
}

function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Date) return value.getTime();
  if (typeof value === "object") {
    const withText = value as { text?: unknown; toJSON?: () => unknown; toString(): string };
    if ("text" in withText && "locale" in withText) return withText.text ?? null;
    if (typeof withText.toJSON === "function") return withText.toJSON();
    return withText.toString();
  }
  return value;
}

/** node-opcua carries 64-bit integers as [high, low]; a number is exact up to 2^53. */
function int64(value: unknown): unknown {
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === "number") return value[0] * 2 ** 32 + (value[1] as number);
  if (Array.isArray(value)) return value.map(int64);
  return value;
}
