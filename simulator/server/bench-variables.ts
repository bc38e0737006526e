import { DataType, StatusCodes, type AddressSpace, type UAObject, type UAVariable } from "node-opcua";
import { NAMESPACE_URI } from "./address-space.ts";

/** NodeId of bench variable `index` (`nsu=urn:dengta:simulator;` + this): `s=Bench.V0`, `s=Bench.V1`… */
export function benchVariableNode(index: number): string {
  return `s=Bench.V${index}`;
}

export interface BenchVariablesOptions {
  /** How many variables: `s=Bench.V0` … `s=Bench.V{count-1}`. */
  count: number;
  /** Every variable changes once per this many milliseconds of wall time. */
  intervalMs: number;
}

/**
 * For benchmarks: `count` UInt32 variables that all change together every `intervalMs` of wall
 * time, apart from the model, all driven by one timer. Each holds the number of the tick that
 * changed it, so a client sees what it missed, and carries the wall-clock time of its own change
 * as source timestamp, so a client can measure change → delivery latency against its own clock.
 */
export class BenchVariables {
  private variables: UAVariable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  private tickCount = 0;

  constructor(private readonly options: BenchVariablesOptions) {
    const { count, intervalMs } = options;
    if (!(Number.isInteger(count) && count > 0)) throw new RangeError(`benchVariables.count must be a whole number > 0 / benchVariables.count 必须是大于 0 的整数: ${count}`);
    if (!(intervalMs >= 1)) throw new RangeError(`benchVariables.intervalMs must be ≥ 1 / benchVariables.intervalMs 必须 ≥ 1: ${intervalMs}`);
  }

  /** How many times the variables have changed since start(): the value each of them holds. */
  get ticks(): number {
    return this.tickCount;
  }

  /** Adds `Bench.V0…` to a freshly built address space (again after a restart), under `Bench`. */
  attach(addressSpace: AddressSpace): void {
    const ns = addressSpace.getNamespace(NAMESPACE_URI);
    const bench = benchFolder(addressSpace);
    const initial = { dataType: DataType.UInt32, value: this.tickCount };
    this.variables = Array.from({ length: this.options.count }, (_, index) => {
      const variable = ns.addVariable({
        componentOf: bench, browseName: `V${index}`, nodeId: benchVariableNode(index), dataType: "UInt32", minimumSamplingInterval: 0,
      });
      variable.setValueFromSource(initial, StatusCodes.Good, new Date());
      return variable;
    });
  }

  detach(): void {
    this.variables = [];
  }

  start(): void {
    this.due = performance.now() + this.options.intervalMs;
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  // One timeout aimed at the next due time rather than setInterval, which drifts late by each tick's own work.
  private schedule(): void {
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.due - performance.now()));
  }

  private tick(): void {
    this.changeAll();
    const now = performance.now();
    this.due += this.options.intervalMs;
    // Late by a whole interval or more: skip what was missed rather than burst to catch up.
    if (this.due <= now) this.due = now + this.options.intervalMs;
    this.schedule();
  }

  private changeAll(): void {
    this.tickCount = (this.tickCount + 1) >>> 0;
    for (const variable of this.variables) {
      // Each stamped when it changes: with many variables the loop itself takes time.
      variable.setValueFromSource({ dataType: DataType.UInt32, value: this.tickCount }, StatusCodes.Good, new Date());
    }
  }
}

/** The `Bench` object, shared with `s=Bench.Counter` when both are on. */
function benchFolder(addressSpace: AddressSpace): UAObject {
  const ns = addressSpace.getNamespace(NAMESPACE_URI);
  const existing = addressSpace.findNode(`ns=${ns.index};s=Bench`);
  if (existing) return existing as UAObject;
  return ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "Bench", nodeId: "s=Bench" });
}
