/** One workload measured the same way on Dengta and on Node-RED, in one run on one machine. */

export interface Compared {
  name: string;
  /** msgs/s, notifications/s, ms, MB, % CPU… */
  unit: string;
  better: "higher" | "lower";
  dengta: number | null;
  node_red: number | null;
  /** The plain limit (the same work as plain functions), where there is one. */
  plain?: number | null;
  /** How many times better Dengta is than Node-RED (above 1: better), whatever the unit's direction. */
  ratio_vs_node_red: number | null;
  /** Dengta over the plain limit, as a factor of slowdown (1: as fast as plain code). */
  ratio_vs_plain?: number | null;
  target: string | null;
  /** False only when a target is set and missed. */
  met: boolean;
  /** Figures behind the headline ones, kept in bench/results.json. */
  detail?: Record<string, number | string | null>;
}

/** `dengta` against `other` in the workload's direction: 2 means Dengta is twice as good. */
export function advantage(better: Compared["better"], dengta: number | null, other: number | null): number | null {
  if (dengta === null || other === null || dengta <= 0 || other <= 0) return null;
  return round(better === "higher" ? dengta / other : other / dengta, 2);
}

export function compared(fields: Omit<Compared, "ratio_vs_node_red" | "met"> & { met?: boolean }): Compared {
  return { ...fields, ratio_vs_node_red: advantage(fields.better, fields.dengta, fields.node_red), met: fields.met ?? true };
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The table bench/run.mjs prints and writes into docs/benchmarks.md for this bench. */
export const columns = ["workload", "unit", "Dengta", "Node-RED", "plain limit", "× vs Node-RED", "target", "status"];

export function rowOf(w: Compared): string[] {
  return [
    w.name, w.unit, figure(w.dengta), figure(w.node_red), w.plain === undefined ? "" : figure(w.plain),
    w.ratio_vs_node_red === null ? "—" : `${w.ratio_vs_node_red}×`,
    w.target ?? "—", w.target === null ? "—" : w.met ? "met" : "MISSED",
  ];
}

function figure(value: number | null): string {
  if (value === null) return "—";
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return String(round(value, Math.abs(value) >= 10 ? 1 : 2));
}
