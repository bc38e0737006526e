import { DataChangeFilter, DataChangeTrigger, DeadbandType, type MonitoringParametersOptions } from "node-opcua-client";
import { PUBLISHING_MS } from "./session.ts";
import type { SignalPlace } from "./shared.ts";

export interface MonitoringOverrides {
  samplingMs?: number;
  queueSize?: number;
  deadband?: { kind: "absolute" | "percent"; value: number };
}

const DEFAULT_SAMPLING_MS = 100;

/** The block's overrides win over the binding; the queue by default holds a publishing interval's samples. */
export function monitoringParameters(place: SignalPlace, overrides: MonitoringOverrides, publishingMs = PUBLISHING_MS): MonitoringParametersOptions {
  const samplingInterval = overrides.samplingMs ?? place.samplingMs ?? DEFAULT_SAMPLING_MS;
  const queueSize = overrides.queueSize ?? place.queueSize ?? Math.min(100, Math.max(1, Math.ceil(publishingMs / Math.max(1, samplingInterval))));
  const deadband = overrides.deadband ?? place.deadband;
  return {
    samplingInterval,
    queueSize,
    discardOldest: true,
    ...(deadband && deadband.value > 0 ? { filter: deadbandFilter(deadband) } : {}),
  };
}

function deadbandFilter(deadband: { kind: "absolute" | "percent"; value: number }): DataChangeFilter {
  return new DataChangeFilter({
    trigger: DataChangeTrigger.StatusValue,
    deadbandType: deadband.kind === "percent" ? DeadbandType.Percent : DeadbandType.Absolute,
    deadbandValue: deadband.value,
  });
}
