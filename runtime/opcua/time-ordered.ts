// One publish response carries the changes of many monitored items, item by item: all of A's
// queued values, then all of B's. Blocks that combine signals (OEE, join) need them in time order.
import type { DataValue } from "node-opcua-client";

interface Pending {
  deliver(dataValue: DataValue): void;
  dataValue: DataValue;
}

const timeOf = (v: DataValue): number => (v.sourceTimestamp ?? v.serverTimestamp)?.getTime() ?? 0;

/**
 * Collects the values node-opcua hands out while it dispatches one publish response (a
 * synchronous loop) and delivers them after it, sorted by source timestamp (stable, so one
 * item's values keep their order).
 */
export class TimeOrderedDispatch {
  private pending: Pending[] = [];

  push(deliver: (dataValue: DataValue) => void, dataValue: DataValue): void {
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending.push({ deliver, dataValue });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 1) batch.sort((a, b) => timeOf(a.dataValue) - timeOf(b.dataValue));
    for (const { deliver, dataValue } of batch) deliver(dataValue);
  }
}
