import type { MachineId } from "./faults.ts";

export type MachineState = "running" | "idle" | "setup" | "down";

/** Vendor state codes, as a PLC would expose them in a plain integer. */
export const STATE_CODE: Record<MachineState, number> = { running: 1, idle: 2, setup: 3, down: 4 };

/**
 * OPC UA for Machinery MachineryItemState. Setup is NotExecuting: the machine is functional but
 * not producing (the spec puts "setup" in MachineryOperationMode, which we do not model).
 */
export type ItemState = "NotAvailable" | "OutOfService" | "Executing" | "NotExecuting";
export const ITEM_STATE: Record<MachineState, ItemState> = {
  running: "Executing",
  idle: "NotExecuting",
  setup: "NotExecuting",
  down: "OutOfService",
};

export interface Reason {
  code: string;
  en: string;
  zh: string;
}

export const REASONS = {
  setup: { code: "S01", en: "changeover", zh: "换模" },
  material: { code: "M01", en: "material shortage", zh: "缺料" },
  overheat: { code: "E201", en: "breakdown: overheating", zh: "故障：过热" },
  injected: { code: "E900", en: "breakdown: injected fault", zh: "故障：注入故障" },
} as const satisfies Record<string, Reason>;

/** Breakdowns that follow a slow drift of temperature and vibration. */
export const WEAR_BREAKDOWNS: readonly Reason[] = [
  { code: "E101", en: "breakdown: spindle bearing", zh: "故障：主轴轴承" },
  { code: "E102", en: "breakdown: low hydraulic pressure", zh: "故障：液压压力低" },
  { code: "E103", en: "breakdown: servo overload", zh: "故障：伺服过载" },
];

export interface MachineSpec {
  id: MachineId;
  model: string;
  idealCycleMs: number;
  scrapRate: number;
  /** Mean running time between wear breakdowns, and the mean repair time. */
  mtbfMs: number;
  mttrMs: number;
  materialMtbfMs: number;
  materialMttrMs: number;
  setupEveryMs: number;
  setupMs: number;
  baseTemperature: number;
  temperatureLimit: number;
  /** How far temperature rises over a full drift; the limit is crossed part-way through. */
  driftRise: number;
  /** Running time over which the drift builds up before a wear breakdown. */
  driftLeadMs: number;
  baseVibration: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

function spec(id: MachineId, model: string, idealCycleMs: number, scrapRate: number, baseTemperature: number): MachineSpec {
  return {
    id, model, idealCycleMs, scrapRate,
    mtbfMs: 4 * HOUR, mttrMs: 25 * MIN,
    materialMtbfMs: 90 * MIN, materialMttrMs: 6 * MIN,
    setupEveryMs: 3 * HOUR, setupMs: 15 * MIN,
    baseTemperature, temperatureLimit: baseTemperature + 15, driftRise: 25, driftLeadMs: 20 * MIN,
    baseVibration: 2.0,
  };
}

export const LINE: readonly MachineSpec[] = [
  spec("m1", "Press SP-120", 12_000, 0.02, 45),
  spec("m2", "CNC DX-15", 15_000, 0.03, 50),
  spec("m3", "Assembly AC-20", 20_000, 0.015, 40),
];
