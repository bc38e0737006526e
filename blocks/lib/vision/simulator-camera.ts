// The simulator's camera over OPC UA: Camera.Serial and Camera.Image of one part carry the same
// source timestamp, so they are paired by it, and a trigger finds its picture by the part's
// serial (or, for a trigger without one, by the part's timestamp) — never just "the latest".
import { DataChangeFilter, DataChangeTrigger, DeadbandType } from "node-opcua-client";
import type { BlockContext } from "../../../runtime/block.ts";
import { toReading, type Reading } from "../../../runtime/opcua/data-value.ts";
import type { EndpointSession } from "../../../runtime/opcua/session.ts";
import { endpointSession } from "../../../runtime/opcua/shared.ts";
import { withTimeout } from "../../../runtime/opcua/wait.ts";

export const SIMULATOR_NAMESPACE = "urn:dengta:simulator";
const KEEP = 64;

export interface SimulatorPicture {
  serial: string;
  ts: number;
  png: Buffer;
}

interface Waiter {
  serial: string | undefined;
  ts: number;
  resolve(picture: SimulatorPicture): void;
}

export class SimulatorCamera {
  private session: EndpointSession | undefined;
  private readonly stops: Array<() => Promise<void>> = [];
  private readonly serialAt = new Map<number, string>();
  private readonly imageAt = new Map<number, Buffer>();
  /** The last pictures, oldest first: a trigger may arrive before or after its picture. */
  private readonly recent: SimulatorPicture[] = [];
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly endpoint: string) {}

  start(ctx: BlockContext<unknown, unknown>): void {
    const session = (this.session = endpointSession(ctx, this.endpoint));
    // Two parts may give the same bytes (a camera's picture of two identical parts; Camera.Serial
    // repeats nothing, but Camera.Image may), and with the default trigger a server reports no
    // change between them: the source timestamp must count as a change too.
    const filter = new DataChangeFilter({ trigger: DataChangeTrigger.StatusValueTimestamp, deadbandType: DeadbandType.None });
    const parameters = { samplingInterval: 0, queueSize: 32, discardOldest: true, filter };
    const watch = (name: string, onReading: (reading: Reading) => void) => this.stops.push(session.monitor({
      nodeId: `nsu=${SIMULATOR_NAMESPACE};s=Camera.${name}`,
      parameters,
      onValue: (dataValue) => onReading(toReading(dataValue, ctx.clock)),
      onError: (message) => ctx.log.error(message, { camera: this.endpoint }),
    }));
    watch("Serial", (r) => {
      if (r.quality === "good" && typeof r.value === "string" && r.value !== "") this.pair(r.ts, r.value, this.imageAt.get(r.ts));
    });
    watch("Image", (r) => {
      if (r.quality === "good" && Buffer.isBuffer(r.value) && r.value.length > 0) this.pair(r.ts, this.serialAt.get(r.ts), r.value);
    });
  }

  isOnline(): boolean {
    return this.session?.isOnline() ?? false;
  }

  /** The picture of the part with `serial` (or, without one, taken at `ts`); undefined after timeoutMs. */
  async picture(serial: string | undefined, ts: number, timeoutMs: number): Promise<SimulatorPicture | undefined> {
    const found = this.recent.findLast((p) => matches(p, serial, ts));
    if (found) return found;
    let waiter!: Waiter;
    const arrived = new Promise<SimulatorPicture>((resolve) => (waiter = { serial, ts, resolve }));
    this.waiters.add(waiter);
    try {
      return await withTimeout(arrived, timeoutMs);
    } catch {
      return undefined;
    } finally {
      this.waiters.delete(waiter);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.stops.map((stop) => stop()));
  }

  private pair(ts: number, serial: string | undefined, png: Buffer | undefined): void {
    if (serial === undefined || png === undefined) {
      if (serial !== undefined) remember(this.serialAt, ts, serial);
      if (png !== undefined) remember(this.imageAt, ts, png);
      return;
    }
    this.serialAt.delete(ts);
    this.imageAt.delete(ts);
    if (this.recent.some((p) => p.serial === serial)) return; // the same value again after a reconnection
    const picture = { serial, ts, png };
    this.recent.push(picture);
    if (this.recent.length > KEEP) this.recent.shift();
    for (const waiter of this.waiters) {
      if (matches(picture, waiter.serial, waiter.ts)) waiter.resolve(picture);
    }
  }
}

function matches(picture: SimulatorPicture, serial: string | undefined, ts: number): boolean {
  return serial !== undefined ? picture.serial === serial : picture.ts === ts;
}

function remember<T>(map: Map<number, T>, ts: number, value: T): void {
  map.set(ts, value);
  if (map.size > KEEP) map.delete(map.keys().next().value!);
}
