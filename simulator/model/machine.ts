import { Prng } from "./prng.ts";
import { REASONS, WEAR_BREAKDOWNS, type MachineSpec, type MachineState, type Reason } from "./machine-spec.ts";

export interface FinishedPart {
  serial: string;
  machine: string;
  time: number;
  scrap: boolean;
}

export interface Downtime {
  machine: string;
  state: Exclude<MachineState, "running">;
  reason: Reason;
  start: number;
  end?: number;
}

const SAMPLE_EVERY_MS = 1000;
const TEMPERATURE_LAG_MS = 60_000;
const IDLE_COOLING = 8;
const OVERHEAT_RATE_PER_S = 0.5;
const OVERHEAT_TRIP = 10;

/** One machine: a state machine over model time, with counters and slowly drifting sensors. */
export class Machine {
  state: MachineState = "running";
  reason: Reason | undefined;
  cycles = 0;
  good = 0;
  scrap = 0;
  lastSerial = "";
  temperature: number;
  vibration: number;
  readonly timeInState: Record<MachineState, number> = { running: 0, idle: 0, setup: 0, down: 0 };
  readonly downtimes: Downtime[] = [];
  /** Every finished part's time and whether it was scrap: the ground truth of counts per shift. */
  readonly finished: Array<{ time: number; scrap: boolean }> = [];

  private runMs = 0;
  private cycleDoneMs = 0;
  private cycleMs: number;
  private wearAtRunMs: number;
  private materialAtRunMs: number;
  private setupAtRunMs: number;
  private resumeAt = 0;
  private overheatSince: number | undefined;
  private sinceSample = 0;
  /** The overheat share of the temperature, kept apart so the normal lag does not damp it. */
  private lastOverheat = 0;

  constructor(readonly spec: MachineSpec, private readonly prng: Prng) {
    this.temperature = spec.baseTemperature;
    this.vibration = spec.baseVibration;
    this.cycleMs = this.drawCycle();
    this.wearAtRunMs = this.drawWear();
    this.materialAtRunMs = prng.exponential(spec.materialMtbfMs);
    this.setupAtRunMs = prng.exponential(spec.setupEveryMs);
  }

  /** Advances by dtMs ending at `now`; returns the part finished in this step, if any. */
  step(now: number, dtMs: number): FinishedPart | undefined {
    this.timeInState[this.state] += dtMs;
    const part = this.state === "running" ? this.run(now, dtMs) : this.waitForRestart(now);
    this.sinceSample += dtMs;
    if (this.sinceSample >= SAMPLE_EVERY_MS) {
      this.sample(now, this.sinceSample);
      this.sinceSample = 0;
    }
    return part;
  }

  /** Fault injection: temperature climbs fast until the machine trips. */
  overheat(now: number): void {
    this.overheatSince = now;
  }

  /** Fault injection: a breakdown now, whatever the machine is doing. */
  breakDown(now: number, reason: Reason = REASONS.injected): void {
    if (this.state === "down") return;
    this.stop(now, "down", reason, this.prng.exponential(this.spec.mttrMs));
  }

  /** Share of the wear drift built up so far, 0..1: what pushes temperature and vibration up. */
  drift(): number {
    const start = this.wearAtRunMs - this.spec.driftLeadMs;
    return Math.min(1, Math.max(0, (this.runMs - start) / this.spec.driftLeadMs));
  }

  private run(now: number, dtMs: number): FinishedPart | undefined {
    this.runMs += dtMs;
    this.cycleDoneMs += dtMs;
    const part = this.cycleDoneMs >= this.cycleMs ? this.finishCycle(now) : undefined;
    this.checkStops(now);
    return part;
  }

  private finishCycle(now: number): FinishedPart {
    this.cycleDoneMs -= this.cycleMs;
    this.cycleMs = this.drawCycle();
    this.cycles++;
    const scrap = this.prng.next() < this.spec.scrapRate;
    if (scrap) this.scrap++;
    else this.good++;
    this.lastSerial = `${this.spec.id.toUpperCase()}-${String(this.cycles).padStart(6, "0")}`;
    this.finished.push({ time: now, scrap });
    return { serial: this.lastSerial, machine: this.spec.id, time: now, scrap };
  }

  private checkStops(now: number): void {
    if (this.overheatSince !== undefined && this.temperature >= this.spec.temperatureLimit + OVERHEAT_TRIP) {
      this.stop(now, "down", REASONS.overheat, this.prng.exponential(this.spec.mttrMs));
    } else if (this.runMs >= this.wearAtRunMs) {
      this.stop(now, "down", this.prng.pick(WEAR_BREAKDOWNS), this.prng.exponential(this.spec.mttrMs));
    } else if (this.runMs >= this.materialAtRunMs) {
      this.materialAtRunMs = this.runMs + this.prng.exponential(this.spec.materialMtbfMs);
      this.stop(now, "idle", REASONS.material, this.prng.exponential(this.spec.materialMttrMs));
    } else if (this.runMs >= this.setupAtRunMs) {
      this.setupAtRunMs = this.runMs + this.prng.exponential(this.spec.setupEveryMs);
      this.stop(now, "setup", REASONS.setup, this.spec.setupMs * this.prng.between(0.8, 1.2));
    }
  }

  private stop(now: number, state: Exclude<MachineState, "running">, reason: Reason, durationMs: number): void {
    this.closeDowntime(now);
    this.state = state;
    this.reason = reason;
    this.resumeAt = now + Math.max(1000, durationMs);
    this.downtimes.push({ machine: this.spec.id, state, reason, start: now });
    // A repair resets the wear and ends an overheat; the cycle in progress is lost.
    if (state === "down") {
      this.wearAtRunMs = this.runMs + this.drawWear();
      this.overheatSince = undefined;
      this.lastOverheat = 0;
      this.cycleDoneMs = 0;
    }
  }

  private waitForRestart(now: number): undefined {
    if (now < this.resumeAt) return undefined;
    this.closeDowntime(now);
    this.state = "running";
    this.reason = undefined;
    return undefined;
  }

  private closeDowntime(now: number): void {
    const open = this.downtimes.at(-1);
    if (open && open.end === undefined) open.end = now;
  }

  private sample(now: number, dtMs: number): void {
    const running = this.state === "running";
    const overheat = this.overheatSince === undefined ? 0 : ((now - this.overheatSince) / 1000) * OVERHEAT_RATE_PER_S;
    const target = this.spec.baseTemperature - (running ? 0 : IDLE_COOLING) + this.drift() * this.spec.driftRise;
    const lag = 1 - Math.exp(-dtMs / TEMPERATURE_LAG_MS);
    const settled = this.temperature - this.lastOverheat;
    this.lastOverheat = overheat;
    this.temperature = settled + (target - settled) * lag + overheat + this.prng.normal() * 0.1;
    const vibration = running ? this.spec.baseVibration * (1 + 1.5 * this.drift() ** 2) : 0.1;
    this.vibration = Math.max(0, vibration + this.prng.normal() * 0.05);
  }

  private drawCycle(): number {
    return this.spec.idealCycleMs * (1 + 0.03 * Math.abs(this.prng.normal()));
  }

  private drawWear(): number {
    // The lead is added so that every wear breakdown has its full drift, and an early warning.
    return this.spec.driftLeadMs + this.prng.exponential(this.spec.mtbfMs - this.spec.driftLeadMs);
  }
}
