import { MACHINE_IDS, type FaultSpec, type MachineId } from "./faults.ts";
import { Machine, type Downtime, type FinishedPart } from "./machine.ts";
import { LINE, type MachineState } from "./machine-spec.ts";
import { Prng, streamSeed } from "./prng.ts";

export type Defect = "none" | "scratch" | "spots";

/** A finished part as it reaches the inspection station after m3. */
export interface StationPart {
  serial: string;
  time: number;
  defect: Defect;
}

export interface RejectRecord {
  serial: string;
  time: number;
  /** False when no part with this serial reached the station (a wrong serial from the client). */
  known: boolean;
  defect: Defect | undefined;
}

export interface MachineTruth {
  state: MachineState;
  cycles: number;
  good: number;
  scrap: number;
  timeInState: Record<MachineState, number>;
  downtimes: Downtime[];
  idealCycleMs: number;
  finished: Array<{ time: number; scrap: boolean }>;
}

export interface GroundTruth {
  seed: number;
  startTime: number;
  modelTime: number;
  machines: Record<MachineId, MachineTruth>;
  parts: StationPart[];
  rejects: RejectRecord[];
}

export interface LineOptions {
  seed: number;
  startTime: number;
  stepMs?: number;
  faults?: readonly FaultSpec[];
}

export interface LineEvents {
  part?(part: StationPart): void;
  restart?(fault: FaultSpec): void;
}

export const DEFAULT_STEP_MS = 100;
const PULSE_MS = 1000;
const DEFECT_RATES: ReadonlyArray<[Defect, number]> = [["scratch", 0.05], ["spots", 0.03]];

/** The whole line in pure TypeScript: three machines, an inspection station and its camera. */
export class Line {
  readonly machines: ReadonlyMap<MachineId, Machine>;
  readonly stepMs: number;
  private nowMs: number;
  private readonly camera: Prng;
  private readonly parts: StationPart[] = [];
  private readonly partsBySerial = new Map<string, StationPart>();
  private readonly rejects: RejectRecord[] = [];
  private readonly pendingFaults: FaultSpec[];
  private pulseUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: LineOptions, private readonly events: LineEvents = {}) {
    this.stepMs = options.stepMs ?? DEFAULT_STEP_MS;
    this.nowMs = options.startTime;
    this.machines = new Map(LINE.map((spec) => [spec.id, new Machine(spec, new Prng(streamSeed(options.seed, spec.id)))]));
    this.camera = new Prng(streamSeed(options.seed, "camera"));
    this.pendingFaults = [...(options.faults ?? [])].sort((a, b) => a.atMs - b.atMs);
  }

  now(): number {
    return this.nowMs;
  }

  /** One fixed step of model time. */
  step(): void {
    this.nowMs += this.stepMs;
    this.applyDueFaults();
    for (const machine of this.machines.values()) {
      const part = machine.step(this.nowMs, this.stepMs);
      if (part && part.machine === "m3" && !part.scrap) this.arrive(part);
    }
  }

  /** Steps until model time reaches `untilMs`. */
  runUntil(untilMs: number): void {
    while (this.nowMs + this.stepMs <= untilMs) this.step();
  }

  machine(id: MachineId): Machine {
    return this.machines.get(id)!;
  }

  /** The part at the station right now, for a pulse of one second of model time. */
  partPresent(): boolean {
    return this.nowMs < this.pulseUntil;
  }

  lastPart(): StationPart | undefined {
    return this.parts.at(-1);
  }

  /** A reject from the client, matched to its part by serial number. */
  reject(serial: string): RejectRecord {
    const part = this.partsBySerial.get(serial);
    const record = { serial, time: this.nowMs, known: part !== undefined, defect: part?.defect };
    this.rejects.push(record);
    return record;
  }

  partCount(): number {
    return this.parts.length;
  }

  rejectCount(): number {
    return this.rejects.length;
  }

  truth(): GroundTruth {
    const machines = {} as Record<MachineId, MachineTruth>;
    for (const id of MACHINE_IDS) {
      const m = this.machine(id);
      machines[id] = {
        state: m.state, cycles: m.cycles, good: m.good, scrap: m.scrap,
        timeInState: { ...m.timeInState },
        downtimes: m.downtimes.map((d) => ({ ...d })),
        idealCycleMs: m.spec.idealCycleMs,
        finished: m.finished.map((p) => ({ ...p })),
      };
    }
    return {
      seed: this.options.seed, startTime: this.options.startTime, modelTime: this.nowMs,
      machines, parts: this.parts.map((p) => ({ ...p })), rejects: this.rejects.map((r) => ({ ...r })),
    };
  }

  private arrive(finished: FinishedPart): void {
    const part: StationPart = { serial: finished.serial, time: finished.time, defect: this.drawDefect() };
    this.parts.push(part);
    this.partsBySerial.set(part.serial, part);
    this.pulseUntil = this.nowMs + PULSE_MS;
    this.events.part?.(part);
  }

  private drawDefect(): Defect {
    let draw = this.camera.next();
    for (const [defect, rate] of DEFECT_RATES) {
      if (draw < rate) return defect;
      draw -= rate;
    }
    return "none";
  }

  private applyDueFaults(): void {
    while (this.pendingFaults.length > 0 && this.options.startTime + this.pendingFaults[0]!.atMs <= this.nowMs) {
      const fault = this.pendingFaults.shift()!;
      if (fault.target === "server") this.events.restart?.(fault);
      else if (fault.kind === "overheat") this.machine(fault.target).overheat(this.nowMs);
      else this.machine(fault.target).breakDown(this.nowMs);
    }
  }
}
