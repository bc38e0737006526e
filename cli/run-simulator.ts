// `dengta run` starts the built-in simulator when the bundle's binding points at it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseFault } from "../simulator/model/faults.ts";
import { DEFAULT_START_TIME, startSimulator, type GroundTruth } from "../simulator/index.ts";
import { UserError } from "../core/user-error.ts";
import type { SiteCalendar } from "../runtime/block.ts";
import { calendarShifts, shiftsBetween } from "../runtime/calendar.ts";
import { oeeTruth, type OeeTruth } from "../simulator/model/oee-truth.ts";
import { printJson, say, type CliContext } from "./output.ts";

export interface SimulatorForRun {
  /** What the bundle's process needs to find the simulator. */
  env: Record<string, string>;
  /** Resolves when the line has run the `--for` model time and stands still; never without one. */
  paused: Promise<void>;
  /** Model time at the line's start, where the APP's clock starts too. */
  startTime: number;
  /** Starts the line, which waits at its start time until the APP is listening. */
  release(): void;
  stop(): Promise<void>;
  /** Writes the simulator's ground truth beside the run and prints its counts, and OEE per shift with a calendar. */
  report(calendar: SiteCalendar | undefined): void;
}

export async function startSimulatorForRun(
  ctx: CliContext, flags: { speed: string; seed: string; fault?: string[] }, workDir: string, forMs: number | undefined,
): Promise<SimulatorForRun> {
  const speed = Number(flags.speed);
  const seed = Number(flags.seed);
  if (!(speed > 0)) throw new UserError(`--speed ${flags.speed} must be a number above 0`, `--speed ${flags.speed} 必须是大于 0 的数`);
  if (!Number.isInteger(seed)) throw new UserError(`--seed ${flags.seed} must be a whole number`, `--seed ${flags.seed} 必须是整数`);
  const faults = (flags.fault ?? []).map((text) => parseFault(text));
  const simulator = await startSimulator({
    port: 0, seed, speed, faults, pkiDir: join(workDir, "simulator-pki"), held: true,
    startTime: DEFAULT_START_TIME, ...(forMs === undefined ? {} : { pauseAt: DEFAULT_START_TIME + forMs }),
    onNotice: (notice) => say(ctx, notice.en, notice.zh),
  });
  say(ctx, `simulator: ${simulator.endpointUrl} (seed ${seed}, speed ×${speed})`, `仿真器：${simulator.endpointUrl}（种子 ${seed}，速度 ×${speed}）`);
  return {
    env: { DENGTA_SIMULATOR_URL: simulator.endpointUrl },
    paused: forMs === undefined ? new Promise(() => {}) : simulator.paused,
    release: () => simulator.release(),
    startTime: DEFAULT_START_TIME,
    stop: () => simulator.stop(),
    report: (calendar) => reportTruth(ctx, simulator.truth(), join(workDir, "simulator-truth.json"), calendar),
  };
}

/** Each machine's OEE in every shift of the calendar that the run covered from start to end. */
export interface ShiftTruth {
  shift: string;
  start: number;
  end: number;
  machines: Record<string, OeeTruth>;
}

function shiftTruths(truth: GroundTruth, calendar: SiteCalendar | undefined): ShiftTruth[] {
  if (calendar === undefined) return [];
  return shiftsBetween(calendarShifts(calendar), truth.startTime, truth.modelTime).map((shift) => ({
    shift: shift.name, start: shift.start, end: shift.end,
    machines: Object.fromEntries(Object.entries(truth.machines).map(([id, m]) => [id, oeeTruth(m, shift, truth.modelTime)])),
  }));
}

function reportTruth(ctx: CliContext, truth: GroundTruth, file: string, calendar: SiteCalendar | undefined): void {
  const shifts = shiftTruths(truth, calendar);
  writeFileSync(file, `${JSON.stringify({ ...truth, shifts }, null, 2)}\n`);
  if (ctx.json) {
    const machines = Object.fromEntries(Object.entries(truth.machines).map(([id, m]) => [id, { cycles: m.cycles, good: m.good, scrap: m.scrap, state: m.state }]));
    return printJson({ level: "truth", modelTime: new Date(truth.modelTime).toISOString(), file, machines }, true);
  }
  say(ctx, `simulator ground truth at ${new Date(truth.modelTime).toISOString()} (${file}):`, `仿真器真值，模型时间 ${new Date(truth.modelTime).toISOString()}（${file}）：`);
  for (const [id, m] of Object.entries(truth.machines)) {
    say(ctx, `  ${id}: cycles ${m.cycles}, good ${m.good}, scrap ${m.scrap}, state ${m.state}`, `  ${id}：循环 ${m.cycles}，良品 ${m.good}，废品 ${m.scrap}，状态 ${m.state}`);
  }
  for (const shift of shifts) {
    for (const [id, o] of Object.entries(shift.machines)) {
      const figures = `A ${percent(o.availability)} × P ${percent(o.performance)} × Q ${percent(o.quality)}`;
      say(ctx, `  ${shift.shift} ${id}: OEE ${percent(o.oee)} (${figures})`, `  ${shift.shift} ${id}：OEE ${percent(o.oee)}（${figures}）`);
    }
  }
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;
