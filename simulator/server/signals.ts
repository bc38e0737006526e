import { DataType } from "node-opcua";
import { MACHINE_IDS, type MachineId } from "../model/faults.ts";
import type { Line } from "../model/line.ts";
import { STATE_CODE } from "../model/machine-spec.ts";

/** A variable the model drives: its NodeId `s=<folder>.<name>` and how to read it from the line. */
export interface Signal {
  folder: string;
  name: string;
  dataType: DataType;
  read(line: Line): unknown;
}

export function nodeIdOf(signal: Pick<Signal, "folder" | "name">): string {
  return `s=${signal.folder}.${signal.name}`;
}

function machineSignals(id: MachineId): Signal[] {
  const folder = id.toUpperCase();
  const s = (name: string, dataType: DataType, read: (line: Line) => unknown): Signal => ({ folder, name, dataType, read });
  const m = (line: Line) => line.machine(id);
  return [
    s("State", DataType.String, (line) => m(line).state),
    s("StateCode", DataType.Int32, (line) => STATE_CODE[m(line).state]),
    s("DowntimeCode", DataType.String, (line) => m(line).reason?.code ?? ""),
    s("DowntimeReason", DataType.String, (line) => m(line).reason?.en ?? ""),
    s("DowntimeReasonZh", DataType.String, (line) => m(line).reason?.zh ?? ""),
    s("CycleCount", DataType.UInt32, (line) => m(line).cycles),
    s("GoodCount", DataType.UInt32, (line) => m(line).good),
    s("ScrapCount", DataType.UInt32, (line) => m(line).scrap),
    s("LastSerial", DataType.String, (line) => m(line).lastSerial),
    s("IdealCycleTime", DataType.Double, (line) => m(line).spec.idealCycleMs / 1000),
    s("Temperature", DataType.Double, (line) => round(m(line).temperature, 2)),
    s("TemperatureLimit", DataType.Double, (line) => m(line).spec.temperatureLimit),
    s("Vibration", DataType.Double, (line) => round(m(line).vibration, 3)),
  ];
}

function simulationSignals(id: MachineId): Signal[] {
  const folder = `Simulation.${id.toUpperCase()}`;
  const m = (line: Line) => line.machine(id);
  return [
    { folder, name: "Cycles", dataType: DataType.UInt32, read: (line) => m(line).cycles },
    { folder, name: "Good", dataType: DataType.UInt32, read: (line) => m(line).good },
    { folder, name: "Scrap", dataType: DataType.UInt32, read: (line) => m(line).scrap },
    { folder, name: "Downtimes", dataType: DataType.UInt32, read: (line) => m(line).downtimes.length },
    { folder, name: "RunningMs", dataType: DataType.Double, read: (line) => m(line).timeInState.running },
  ];
}

const STATION: Signal[] = [
  { folder: "Station", name: "PartPresent", dataType: DataType.Boolean, read: (line) => line.partPresent() },
  { folder: "Station", name: "PartSerial", dataType: DataType.String, read: (line) => line.lastPart()?.serial ?? "" },
  { folder: "Station", name: "RejectCount", dataType: DataType.UInt32, read: (line) => line.rejectCount() },
];

const SIMULATION: Signal[] = [
  { folder: "Simulation", name: "ModelTime", dataType: DataType.DateTime, read: (line) => new Date(Math.floor(line.now() / 1000) * 1000) },
  { folder: "Simulation", name: "PartCount", dataType: DataType.UInt32, read: (line) => line.partCount() },
];

/** Every model-driven variable, in a fixed order. */
export const SIGNALS: readonly Signal[] = [
  ...MACHINE_IDS.flatMap(machineSignals),
  ...STATION,
  ...SIMULATION,
  ...MACHINE_IDS.flatMap(simulationSignals),
];

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
