import { DataType, StatusCodes, type AddressSpace, type UAVariable } from "node-opcua";
import { NAMESPACE_URI } from "./address-space.ts";

/** NodeId of the bench counter (`nsu=urn:dengta:simulator;` + this). */
export const BENCH_COUNTER_NODE = "s=Bench.Counter";
/** The most changes one timer tick catches up on; past it the counter falls behind instead of bursting. */
const MAX_CHANGES_PER_TICK = 50;

/**
 * For benchmarks: one UInt32 variable that counts up `rateHz` times a second of wall time, apart
 * from the model. Each change carries the wall-clock time at which it was made as its source
 * timestamp, so a client can measure change → delivery latency against its own wall clock.
 */
export class BenchCounter {
  private variable: UAVariable | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private value = 0;

  constructor(private readonly rateHz: number) {
    if (!(rateHz > 0)) throw new RangeError(`benchRateHz must be > 0 / benchRateHz 必须大于 0: ${rateHz}`);
  }

  /** Adds `Bench` and `Bench.Counter` to a freshly built address space (again after a restart). */
  attach(addressSpace: AddressSpace): void {
    const ns = addressSpace.getNamespace(NAMESPACE_URI);
    const bench = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "Bench", nodeId: "s=Bench" });
    this.variable = ns.addVariable({
      componentOf: bench, browseName: "Counter", nodeId: BENCH_COUNTER_NODE, dataType: "UInt32", minimumSamplingInterval: 0,
    });
    this.variable.setValueFromSource({ dataType: DataType.UInt32, value: this.value }, StatusCodes.Good, new Date());
  }

  detach(): void {
    this.variable = undefined;
  }

  start(): void {
    this.started = performance.now();
    // 1 ms is the finest Node timer; a late tick makes the changes it owes, each stamped when made.
    this.timer = setInterval(() => this.tick(), 1);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const owed = Math.floor(((performance.now() - this.started) * this.rateHz) / 1000) - this.value;
    if (owed > MAX_CHANGES_PER_TICK) this.started += ((owed - MAX_CHANGES_PER_TICK) * 1000) / this.rateHz;
    for (let i = 0; i < Math.min(owed, MAX_CHANGES_PER_TICK); i++) {
      this.value = (this.value + 1) >>> 0;
      this.variable?.setValueFromSource({ dataType: DataType.UInt32, value: this.value }, StatusCodes.Good, new Date());
    }
  }
}
