import type { Clock, TimerHandle } from "./block.ts";

/** A clock that also knows whether anything is still scheduled, so the engine can tell it is idle. */
export interface EngineClock extends Clock {
  pendingTimers(): number;
  /** Cancels every timer, so nothing new starts while the engine stops. */
  clearAll(): void;
  /**
   * A source's timestamp has been seen. A clock that follows its sources (a simulator, a
   * recording) moves to it, firing the timers due before; other clocks ignore it.
   */
  observe?(sourceTs: number): void;
}

/** Wall time, for a box running live. */
export class WallClock implements EngineClock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, globalThis.setTimeout(() => {
      this.timers.delete(id);
      callback();
    }, delayMs));
    return { id };
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, globalThis.setInterval(callback, Math.max(1, intervalMs)));
    return { id };
  }

  clear(handle: TimerHandle): void {
    const timer = this.timers.get(handle.id);
    if (timer === undefined) return;
    globalThis.clearTimeout(timer);
    this.timers.delete(handle.id);
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  clearAll(): void {
    for (const timer of this.timers.values()) globalThis.clearTimeout(timer);
    this.timers.clear();
  }
}

interface VirtualTimer {
  id: number;
  due: number;
  intervalMs: number | undefined;
  callback: () => void;
}

/**
 * Model time that jumps straight to the next due timer. `advance` fires timers in due order
 * (ties in the order they were set) and lets the caller settle all work between two timers,
 * so a run on virtual time is deterministic.
 */
export class VirtualClock implements EngineClock {
  private nextId = 1;
  private current: number;
  private readonly timers = new Map<number, VirtualTimer>();

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.schedule(callback, delayMs, undefined);
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    return this.schedule(callback, intervalMs, Math.max(1, intervalMs));
  }

  clear(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  clearAll(): void {
    this.timers.clear();
  }

  /** Fires the earliest due timer; false when nothing is scheduled at or before `untilMs`. */
  fireNext(untilMs = Number.POSITIVE_INFINITY): boolean {
    const next = this.earliest();
    if (next === undefined || next.due > untilMs) return false;
    this.current = Math.max(this.current, next.due);
    if (next.intervalMs === undefined) this.timers.delete(next.id);
    else this.reschedule(next);
    next.callback();
    return true;
  }

  /** Moves time forward without firing anything, e.g. to the end of a `--for` window. */
  moveTo(ms: number): void {
    this.current = Math.max(this.current, ms);
  }

  /** Moves time and every pending timer by the same amount: the schedule keeps its shape. */
  protected shiftTo(ms: number): void {
    const delta = ms - this.current;
    this.current = ms;
    for (const timer of this.timers.values()) timer.due += delta;
  }

  private schedule(callback: () => void, delayMs: number, intervalMs: number | undefined): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.current + Math.max(0, delayMs), intervalMs, callback });
    return { id };
  }

  private reschedule(timer: VirtualTimer): void {
    // Re-insert so that Map order (our tie-breaker) follows the order timers became due.
    this.timers.delete(timer.id);
    this.timers.set(timer.id, { ...timer, due: timer.due + (timer.intervalMs ?? 0) });
  }

  private earliest(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const timer of this.timers.values()) {
      if (best === undefined || timer.due < best.due) best = timer;
    }
    return best;
  }
}

/**
 * Time taken from the sources' own timestamps: the simulator's model time at any speed, or a
 * recording's time in replay. It never runs backwards and never skips a timer: observing a
 * later timestamp first fires, in order, every timer due up to it.
 */
export class FollowingClock extends VirtualClock {
  private started = false;
  /** The first source timestamp seen, once one has been. */
  firstSeen: number | undefined;

  constructor(startMs: number) {
    super(startMs);
  }

  observe(sourceTs: number): void {
    if (!this.started) {
      // The first timestamp seen sets the time, earlier or later: timers set before it count from it.
      this.started = true;
      this.firstSeen = sourceTs;
      this.shiftTo(sourceTs);
    }
    while (this.fireNext(sourceTs)) { /* every timer due up to the source's time */ }
    this.moveTo(sourceTs);
  }
}
