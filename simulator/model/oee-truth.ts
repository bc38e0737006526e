// OEE as the simulator knows it happened: from every state change and every finished part, not
// from what a client observed. The same ISO 22400 time model as the OEE block.
import type { MachineTruth } from "./line.ts";

export interface TruthWindow {
  name: string;
  start: number;
  end: number;
  /** Planned breaks inside the window, [from, to) in epoch ms. */
  breaks: ReadonlyArray<readonly [number, number]>;
}

export interface OeeTruth {
  shift: string;
  start: number;
  end: number;
  plannedBusyTimeS: number;
  actualProductionTimeS: number;
  good: number;
  scrap: number;
  availability: number;
  performance: number;
  quality: number;
  oee: number;
  /** Downtime seconds per reason code, within the planned busy time. */
  downtimeByReason: Record<string, number>;
}

/** OEE of one machine over one shift; every state other than running is downtime. */
export function oeeTruth(machine: MachineTruth, window: TruthWindow, modelTime: number): OeeTruth {
  const planned = minus([[window.start, window.end]], window.breaks);
  const busyMs = total(planned);
  const downtimeByReason: Record<string, number> = {};
  let downMs = 0;
  for (const d of machine.downtimes) {
    const ms = total(intersect(planned, [d.start, d.end ?? modelTime]));
    if (ms === 0) continue;
    downMs += ms;
    downtimeByReason[d.reason.code] = (downtimeByReason[d.reason.code] ?? 0) + ms / 1000;
  }
  let good = 0;
  let scrap = 0;
  for (const part of machine.finished) {
    if (part.time < window.start || part.time >= window.end) continue;
    if (part.scrap) scrap++;
    else good++;
  }
  const runningMs = busyMs - downMs;
  const availability = busyMs > 0 ? runningMs / busyMs : 0;
  const performance = runningMs > 0 ? Math.min(1, (machine.idealCycleMs * (good + scrap)) / runningMs) : 0;
  const quality = good + scrap > 0 ? good / (good + scrap) : 0;
  return {
    shift: window.name, start: window.start, end: window.end,
    plannedBusyTimeS: busyMs / 1000, actualProductionTimeS: runningMs / 1000, good, scrap,
    availability, performance, quality, oee: availability * performance * quality, downtimeByReason,
  };
}

type Span = readonly [number, number];

function total(spans: readonly Span[]): number {
  return spans.reduce((sum, [a, b]) => sum + (b - a), 0);
}

function intersect(spans: readonly Span[], [from, to]: Span): Span[] {
  return spans.map(([a, b]): Span => [Math.max(a, from), Math.min(b, to)]).filter(([a, b]) => b > a);
}

function minus(spans: readonly Span[], cuts: readonly Span[]): Span[] {
  let rest = [...spans];
  for (const [from, to] of cuts) {
    rest = rest.flatMap(([a, b]): Span[] => [[a, Math.min(b, from)], [Math.max(a, to), b]]).filter(([a, b]) => b > a);
  }
  return rest;
}
