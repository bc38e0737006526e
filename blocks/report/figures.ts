// What a report shows, as plain data: collected from messages, combined per machine and line.
// The HTML page, the CSV and the XLSX are all written from one ReportData, so they cannot disagree.
import type { Quality } from "../../runtime/block.ts";
import type { DowntimeReason, OeeReport } from "../oee/runtime.ts";

/** The OEE block's shift report (dengta.kpi.oee's `out`) and its downtime rows, as the report receives them. */
export type { DowntimeReason, OeeReport };

export interface I18nText {
  en: string;
  "zh-CN": string;
}

/** A row of the KPI table: one OEE report as received, or a sum of several (`combined`). */
export interface KpiRow extends Omit<OeeReport, "downtimeReasons"> {
  /** "report": one report as received; "machine": a machine's reports combined; "line": all machines. */
  kind: "report" | "machine" | "line";
}

export interface CountTally {
  source: string;
  label: string;
  messages: number;
  sum: number;
  last: number;
  lastTs: number;
}

export interface EventRow {
  ts: number;
  source: string;
  quality: Quality;
  event: string;
  state: string;
  severity: string;
  detail: string;
}

export interface RawRow {
  ts: number;
  port: string;
  source: string;
  quality: Quality;
  value: unknown;
}

export interface ReportData {
  title: I18nText;
  site: I18nText | undefined;
  /** The shift's name, or "day". */
  period: string;
  /** The period's first day in the site's time zone, yyyy-mm-dd. */
  date: string;
  start: number;
  end: number;
  partial: boolean;
  timezone: string;
  generatedAt: number;
  /** Reports as received, each machine's combined row after its reports when it has several. */
  kpi: KpiRow[];
  /** One row per machine: its only report as received, or its reports combined. */
  machines: KpiRow[];
  /** All machines combined; undefined without OEE reports. */
  line: KpiRow | undefined;
  /** Downtime by state and reason over all reports, longest first. */
  downtime: DowntimeReason[];
  counts: CountTally[];
  events: EventRow[];
  eventsNotListed: number;
  raw: RawRow[];
  rawNotKept: number;
}

/** What the output message carries besides the file paths. */
export interface ReportTotals {
  reports: number;
  machines: number;
  good: number;
  scrap: number;
  total: number;
  plannedBusyTimeS: number;
  actualProductionTimeS: number;
  downtimeS: number;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
  events: number;
  counts: Record<string, { sum: number; last: number; messages: number }>;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The OEE report in a message value, or a reason it is not one. */
export function oeeReportIn(value: unknown, ts: number): OeeReport | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  const v = value as Record<string, unknown>;
  if (typeof v.machine !== "string" || v.machine === "") return "no machine";
  const ratio = (key: string) => (typeof v[key] === "number" && Number.isFinite(v[key]) ? v[key] : undefined);
  for (const key of ["oee", "availability", "performance", "quality"]) {
    if (ratio(key) === undefined) return `no number ${key}`;
  }
  const num = (key: string, fallback = 0) => ratio(key) ?? fallback;
  const good = num("good");
  const scrap = num("scrap");
  const reasons = Array.isArray(v.downtimeReasons) ? v.downtimeReasons : [];
  return {
    machine: v.machine,
    shift: typeof v.shift === "string" ? v.shift : "",
    start: num("start", ts),
    end: num("end", ts),
    partial: v.partial === true,
    plannedBusyTimeS: num("plannedBusyTimeS"),
    actualProductionTimeS: num("actualProductionTimeS"),
    downtimeS: num("downtimeS"),
    good,
    scrap,
    total: num("total", good + scrap),
    availability: num("availability"),
    performance: num("performance"),
    quality: num("quality"),
    oee: num("oee"),
    downtimeReasons: reasons.flatMap((r: unknown): DowntimeReason[] => {
      if (typeof r !== "object" || r === null) return [];
      const { state, reason, seconds, stops } = r as Record<string, unknown>;
      if (typeof seconds !== "number" || !Number.isFinite(seconds)) return [];
      return [{
        state: typeof state === "string" ? state : "",
        reason: typeof reason === "string" || typeof reason === "number" ? String(reason) : "",
        seconds,
        stops: typeof stops === "number" && Number.isFinite(stops) ? stops : 0,
      }];
    }),
  };
}

/**
 * Several reports as one (ISO 22400 over the summed times): availability = ΣAPT ÷ ΣPBT,
 * performance = Σ(performance × APT) ÷ ΣAPT (the net production time over the run time),
 * quality = Σgood ÷ Σtotal. A single report is kept exactly as received.
 */
export function combine(reports: ReadonlyArray<Omit<KpiRow, "kind">>, kind: KpiRow["kind"], machine: string, shift: string): KpiRow {
  if (reports.length === 1) return { ...reports[0]!, kind };
  let pbt = 0, apt = 0, npt = 0, down = 0, good = 0, scrap = 0, total = 0;
  let start = Number.POSITIVE_INFINITY, end = Number.NEGATIVE_INFINITY, partial = false;
  for (const r of reports) {
    pbt += r.plannedBusyTimeS;
    apt += r.actualProductionTimeS;
    npt += r.performance * r.actualProductionTimeS;
    down += r.downtimeS;
    good += r.good;
    scrap += r.scrap;
    total += r.total;
    start = Math.min(start, r.start);
    end = Math.max(end, r.end);
    partial ||= r.partial;
  }
  const availability = pbt > 0 ? apt / pbt : 0;
  const performance = apt > 0 ? npt / apt : 0;
  const quality = total > 0 ? good / total : 0;
  return {
    kind, machine, shift, start, end, partial,
    plannedBusyTimeS: round3(pbt), actualProductionTimeS: round3(apt), downtimeS: round3(down),
    good, scrap, total,
    availability: round4(availability), performance: round4(performance), quality: round4(quality),
    oee: round4(availability * performance * quality),
  };
}

const byName = (a: string, b: string) => a.localeCompare(b, "zh-CN", { numeric: true });

/** The KPI table, per-machine rows and the line's row, from the reports of one period. */
export function kpiFigures(reports: readonly OeeReport[]): Pick<ReportData, "kpi" | "machines" | "line" | "downtime"> {
  const perMachine = new Map<string, OeeReport[]>();
  for (const r of [...reports].sort((a, b) => byName(a.machine, b.machine) || a.start - b.start)) {
    const list = perMachine.get(r.machine) ?? [];
    list.push(r);
    perMachine.set(r.machine, list);
  }
  const kpi: KpiRow[] = [];
  const machines: KpiRow[] = [];
  for (const [machine, list] of perMachine) {
    for (const r of list) kpi.push(withoutReasons(r));
    const combined = combine(list.map(withoutReasons), "machine", machine, list.length === 1 ? list[0]!.shift : "");
    if (list.length > 1) kpi.push(combined);
    machines.push(combined);
  }
  const line = reports.length === 0 ? undefined : combine(reports.map(withoutReasons), "line", "", "");

  const reasons = new Map<string, DowntimeReason>();
  for (const r of reports) {
    for (const d of r.downtimeReasons) {
      const key = `${d.state}\u0000${d.reason}`;
      const tally = reasons.get(key) ?? { state: d.state, reason: d.reason, seconds: 0, stops: 0 };
      tally.seconds = round3(tally.seconds + d.seconds);
      tally.stops += d.stops;
      reasons.set(key, tally);
    }
  }
  const downtime = [...reasons.values()].sort((a, b) => b.seconds - a.seconds || byName(a.reason, b.reason));
  return { kpi, machines, line, downtime };
}

function withoutReasons(r: OeeReport): KpiRow {
  const { downtimeReasons: _, ...row } = r;
  return { ...row, kind: "report" };
}

export function totalsOf(data: ReportData): ReportTotals {
  const line = data.line;
  return {
    reports: data.kpi.filter((r) => r.kind === "report").length,
    machines: data.machines.length,
    good: line?.good ?? 0,
    scrap: line?.scrap ?? 0,
    total: line?.total ?? 0,
    plannedBusyTimeS: line?.plannedBusyTimeS ?? 0,
    actualProductionTimeS: line?.actualProductionTimeS ?? 0,
    downtimeS: line?.downtimeS ?? 0,
    availability: line?.availability ?? null,
    performance: line?.performance ?? null,
    quality: line?.quality ?? null,
    oee: line?.oee ?? null,
    events: data.events.length + data.eventsNotListed,
    counts: Object.fromEntries(data.counts.map((c) => [c.source, { sum: c.sum, last: c.last, messages: c.messages }])),
  };
}

/** Text of a value an operator reads: `{ en, zh-CN }` as both, objects as short JSON. */
export function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "object") {
    const { en, "zh-CN": zh } = value as { en?: unknown; "zh-CN"?: unknown };
    if (typeof en === "string" && typeof zh === "string") return en === zh ? zh : `${zh} / ${en}`;
    if (typeof zh === "string") return zh;
    if (typeof en === "string") return en;
  }
  return undefined;
}

const firstText = (...values: unknown[]): string => {
  for (const v of values) {
    const text = typeof v === "object" ? undefined : textOf(v);
    if (text !== undefined && text !== "") return text;
  }
  return "";
};

/** An alarm, verdict or other event as a table row; any value is accepted. */
export function eventRowOf(value: unknown, ts: number, source: string, quality: Quality): EventRow {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ts, source, quality, event: textOf(value) ?? JSON.stringify(value) ?? "", state: "", severity: "", detail: "" };
  }
  const v = value as Record<string, unknown>;
  const verdict = typeof v.verdict === "boolean" ? (v.verdict ? "OK" : "NG") : v.verdict;
  const detail = textOf(v.message) ?? textOf(v.description) ?? textOf(v.reason) ?? shortJson(v);
  return {
    ts, source, quality,
    event: firstText(v.alarm, v.event, v.name, v.rule, v.type, v.code, v.serial, v.machine),
    state: firstText(v.transition, v.state, v.status, verdict, v.result, typeof v.ok === "boolean" ? (v.ok ? "OK" : "NG") : undefined),
    severity: firstText(v.severity, v.level, v.priority),
    detail,
  };
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? "";
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
