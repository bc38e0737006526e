// The open periods kept in the node's store, so a restart (an update, a power cut) continues the
// shift's report instead of starting it again from nothing.
import type { BlockStore } from "../../runtime/block.ts";
import type { ShiftInstance } from "../../runtime/calendar.ts";
import type { CountTally, EventRow, OeeReport, RawRow } from "./figures.ts";

/** What has been collected for one period (a shift, or a day). */
export interface Period {
  instance: ShiftInstance;
  /** Where collecting began: the period's start, or later when the block first started inside it. */
  from: number;
  oee: OeeReport[];
  counts: Map<string, CountTally>;
  events: EventRow[];
  eventsNotListed: number;
  raw: RawRow[];
  rawNotKept: number;
}

export interface KeptPeriods {
  /** Configuration the periods were collected under: another one starts afresh. */
  key: string;
  /** Everything before this has been reported. */
  closedUntil: number;
  /** Clock time they were kept. */
  at: number;
  /** Kept by a clean stop, which has written their partial reports. */
  clean: boolean;
  periods: Period[];
}

type Stored = Omit<KeptPeriods, "periods"> & { periods: Array<Omit<Period, "counts"> & { counts: CountTally[] }> };

const KEY = "openPeriods";

export function keepPeriods(store: BlockStore, kept: KeptPeriods): void {
  store.set(KEY, { ...kept, periods: kept.periods.map((p) => ({ ...p, counts: [...p.counts.values()] })) } satisfies Stored);
}

/** The periods kept by the last run with the same configuration, if any. */
export function keptPeriods(store: BlockStore, key: string): KeptPeriods | undefined {
  const stored = store.get<Stored>(KEY);
  if (stored === undefined || stored.key !== key) return undefined;
  return { ...stored, periods: stored.periods.map((p) => ({ ...p, counts: new Map(p.counts.map((tally) => [tally.source, tally])) })) };
}
