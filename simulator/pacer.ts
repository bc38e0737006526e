import type { Line } from "./model/line.ts";

const TICK_MS = 5;
/** The most model steps run in one tick; past it the model slows down instead of skipping. */
const MAX_STEPS_PER_TICK = 400;

/** Runs the line on wall time at `speed` × real time, one fixed model step after another. */
export class Pacer {
  private timer: NodeJS.Timeout | undefined;
  private lastWall = 0;
  private owedMs = 0;

  /** `pauseAt`: model time at which the line stops, exactly, e.g. the end of a shift; the server stays up. */
  constructor(
    private readonly line: Line, private readonly speed: number, private readonly afterStep: () => void,
    private readonly pauseAt = Number.POSITIVE_INFINITY, private readonly onPause: () => void = () => {},
  ) {}

  start(): void {
    this.lastWall = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private pause(): void {
    this.stop();
    this.onPause();
  }

  private tick(): void {
    const wall = performance.now();
    this.owedMs += (wall - this.lastWall) * this.speed;
    this.lastWall = wall;
    const stepMs = this.line.stepMs;
    const steps = Math.min(Math.floor(this.owedMs / stepMs), MAX_STEPS_PER_TICK);
    for (let i = 0; i < steps && this.timer !== undefined; i++) {
      if (this.line.now() >= this.pauseAt) return this.pause();
      this.line.step();
      this.afterStep();
    }
    this.owedMs -= steps * stepMs;
    // Behind: forget the backlog, so model time slows down rather than jumping ahead.
    if (steps === MAX_STEPS_PER_TICK) this.owedMs = Math.min(this.owedMs, stepMs);
  }
}
