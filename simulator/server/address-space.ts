import {
  DataType, makeNodeId, promoteToStateMachine, StatusCodes, Variant,
  type AddressSpace, type Namespace, type UAObject, type UAVariable,
} from "node-opcua";
import { MACHINE_IDS, type MachineId } from "../model/faults.ts";
import type { Line, StationPart } from "../model/line.ts";
import { ITEM_STATE } from "../model/machine-spec.ts";
import { FASTEST_MS } from "./opcua-server.ts";
import { nodeIdOf, SIGNALS, type Signal } from "./signals.ts";

export const NAMESPACE_URI = "urn:dengta:simulator";
const DI_URI = "http://opcfoundation.org/UA/DI/";
const MACHINERY_URI = "http://opcfoundation.org/UA/Machinery/";
const MACHINES_FOLDER_ID = 1001;

/** What the clients write, kept outside the server so it survives a restart. */
export interface ClientWrites {
  rejectSerial: string;
  reject: boolean;
}

export interface SimAddressSpace {
  /** Writes every variable whose value changed, with the model time as source timestamp. */
  publish(): void;
  showPicture(part: StationPart, png: Buffer): void;
}

/** Builds the Machinery-shaped address space over the line and returns how to keep it current. */
export function buildAddressSpace(addressSpace: AddressSpace, line: Line, writes: ClientWrites, meta: { seed: number; speed: number }): SimAddressSpace {
  const ns = addressSpace.registerNamespace(NAMESPACE_URI);
  const objects = addressSpace.rootFolder.objects;
  const machinesFolder = findMachinesFolder(addressSpace) ?? ns.addFolder(objects, { browseName: "Machines", nodeId: "s=Machines" });
  const parents = new Map<string, UAObject>();
  const itemStates = new Map<MachineId, ReturnType<typeof promoteToStateMachine>>();
  for (const id of MACHINE_IDS) {
    const machine = addMachine(addressSpace, ns, machinesFolder, line, id);
    parents.set(id.toUpperCase(), machine.object);
    itemStates.set(id, machine.itemState);
  }
  const simulation = ns.addObject({ organizedBy: objects, browseName: "Simulation", nodeId: "s=Simulation" });
  parents.set("Simulation", simulation);
  for (const id of MACHINE_IDS) {
    const folder = `Simulation.${id.toUpperCase()}`;
    parents.set(folder, ns.addObject({ componentOf: simulation, browseName: id.toUpperCase(), nodeId: `s=${folder}` }));
  }
  const station = ns.addObject({ organizedBy: objects, browseName: "Station", nodeId: "s=Station" });
  parents.set("Station", station);
  const camera = ns.addObject({ organizedBy: objects, browseName: "Camera", nodeId: "s=Camera" });
  addConstants(ns, simulation, line, meta);
  addClientOutputs(ns, station, line, writes);
  const cameraVariables = addCamera(ns, camera);
  const variables = SIGNALS.map((signal) => ({ signal, node: addSignal(ns, parents.get(signal.folder)!, signal), last: undefined as unknown }));
  const lastItemState = new Map<MachineId, string>();

  return {
    publish() {
      const ts = new Date(line.now());
      for (const v of variables) {
        const value = v.signal.read(line);
        if (same(value, v.last)) continue;
        v.last = value;
        v.node.setValueFromSource({ dataType: v.signal.dataType, value }, StatusCodes.Good, ts);
      }
      for (const [id, fsm] of itemStates) {
        const state = ITEM_STATE[line.machine(id).state];
        if (lastItemState.get(id) === state) continue;
        lastItemState.set(id, state);
        fsm.setState(state);
      }
    },
    showPicture(part, png) {
      const ts = new Date(part.time);
      cameraVariables.serial.setValueFromSource({ dataType: DataType.String, value: part.serial }, StatusCodes.Good, ts);
      cameraVariables.defect.setValueFromSource({ dataType: DataType.String, value: part.defect }, StatusCodes.Good, ts);
      cameraVariables.image.setValueFromSource({ dataType: DataType.ByteString, value: png }, StatusCodes.Good, ts);
    },
  };
}

function findMachinesFolder(addressSpace: AddressSpace): UAObject | undefined {
  const index = addressSpace.getNamespaceIndex(MACHINERY_URI);
  if (index < 0) return undefined;
  return (addressSpace.findNode(makeNodeId(MACHINES_FOLDER_ID, index)) as UAObject | null) ?? undefined;
}

function addMachine(addressSpace: AddressSpace, ns: Namespace, machines: UAObject, line: Line, id: MachineId) {
  const name = id.toUpperCase();
  const object = ns.addObject({ organizedBy: machines, browseName: name, nodeId: `s=${name}` });
  const di = addressSpace.getNamespaceIndex(DI_URI);
  const mi = addressSpace.getNamespaceIndex(MACHINERY_URI);
  const identificationType = addressSpace.findObjectType("MachineIdentificationType", mi);
  const stateType = addressSpace.findObjectType("MachineryItemState_StateMachineType", mi);
  if (!identificationType || !stateType) throw new Error("Machinery nodeset not loaded");
  const identification = identificationType.instantiate({
    namespace: ns, browseName: { name: "Identification", namespaceIndex: di }, componentOf: object, optionals: ["Model"],
  });
  const spec = line.machine(id).spec;
  setProperty(identification, di, "Manufacturer", { dataType: DataType.LocalizedText, value: { text: "Dengta Sim" } });
  setProperty(identification, di, "Model", { dataType: DataType.LocalizedText, value: { text: spec.model } });
  setProperty(identification, di, "SerialNumber", { dataType: DataType.String, value: `SIM-${name}-0001` });
  setProperty(identification, di, "ProductInstanceUri", { dataType: DataType.String, value: `urn:dengta:simulator:machine:${id}` });
  const itemState = promoteToStateMachine(stateType.instantiate({ namespace: ns, browseName: { name: "MachineryItemState", namespaceIndex: mi }, componentOf: object }));
  return { object, itemState };
}

function setProperty(object: UAObject, namespaceIndex: number, name: string, value: { dataType: DataType; value: unknown }): void {
  const node = object.getChildByName(name, namespaceIndex) as UAVariable | null;
  node?.setValueFromSource(value);
}

function addSignal(ns: Namespace, parent: UAObject, signal: Signal): UAVariable {
  return ns.addVariable({
    componentOf: parent, browseName: signal.name, nodeId: nodeIdOf(signal),
    dataType: DataType[signal.dataType], minimumSamplingInterval: 0,
  });
}

function addConstants(ns: Namespace, simulation: UAObject, line: Line, meta: { seed: number; speed: number }): void {
  const constant = (name: string, dataType: DataType, value: unknown) => ns.addVariable({
    componentOf: simulation, browseName: name, nodeId: `s=Simulation.${name}`, dataType: DataType[dataType], value: { dataType, value },
  });
  constant("Seed", DataType.UInt32, meta.seed >>> 0);
  constant("Speed", DataType.Double, meta.speed);
  constant("StartTime", DataType.DateTime, new Date(line.truth().startTime));
  // Computed on read only: the full ground truth is too large to push on every change.
  ns.addVariable({
    componentOf: simulation, browseName: "Truth", nodeId: "s=Simulation.Truth", dataType: "String", minimumSamplingInterval: 1000,
    value: { get: () => new Variant({ dataType: DataType.String, value: JSON.stringify(line.truth()) }) },
  });
}

function addClientOutputs(ns: Namespace, station: UAObject, line: Line, writes: ClientWrites): void {
  ns.addVariable({
    componentOf: station, browseName: "RejectSerial", nodeId: "s=Station.RejectSerial", dataType: "String",
    accessLevel: "CurrentRead | CurrentWrite", userAccessLevel: "CurrentRead | CurrentWrite", minimumSamplingInterval: FASTEST_MS,
    value: {
      get: () => new Variant({ dataType: DataType.String, value: writes.rejectSerial }),
      set: (variant: Variant) => { writes.rejectSerial = String(variant.value ?? ""); return StatusCodes.Good; },
    },
  });
  ns.addVariable({
    componentOf: station, browseName: "Reject", nodeId: "s=Station.Reject", dataType: "Boolean",
    accessLevel: "CurrentRead | CurrentWrite", userAccessLevel: "CurrentRead | CurrentWrite", minimumSamplingInterval: FASTEST_MS,
    value: {
      get: () => new Variant({ dataType: DataType.Boolean, value: writes.reject }),
      set: (variant: Variant) => {
        writes.reject = variant.value === true;
        if (writes.reject) line.reject(writes.rejectSerial);
        return StatusCodes.Good;
      },
    },
  });
}

function addCamera(ns: Namespace, camera: UAObject) {
  const add = (name: string, dataType: string) => ns.addVariable({ componentOf: camera, browseName: name, nodeId: `s=Camera.${name}`, dataType, minimumSamplingInterval: 0 });
  return { serial: add("Serial", "String"), defect: add("Defect", "String"), image: add("Image", "ByteString") };
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}
