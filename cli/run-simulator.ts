// `dengta run` starts the built-in simulator when the bundle's binding points at it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseFault } from "../simulator/model/faults.ts";
import { DEFAULT_START_TIME, startSimulator, type GroundTruth } from "../simulator/index.ts";
import { UserError } from "../core/user-error.ts";
import { printJson, say, type CliContext } from "./output.ts";

export interface SimulatorForRun {
  /** What the bundle's process needs to find the simulator. */
  env: Record<string, string>;
  /** Resolves when the line has run the `--for` model time and stands still; never without one. */
  paused: Promise<void>;
  stop(): Promise<void>;
  /** Writes the simulator's ground truth beside the run and prints its counts. */
  report(): void;
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
    port: 0, seed, speed, faults, pkiDir: join(workDir, "simulator-pki"),
    startTime: DEFAULT_START_TIME, ...(forMs === undefined ? {} : { pauseAt: DEFAULT_START_TIME + forMs }),
    onNotice: (notice) => say(ctx, notice.en, notice.zh),
  });
  say(ctx, `simulator: ${simulator.endpointUrl} (seed ${seed}, speed ×${speed})`, `仿真器：${simulator.endpointUrl}（种子 ${seed}，速度 ×${speed}）`);
  return {
    env: { DENGTA_SIMULATOR_URL: simulator.endpointUrl },
    paused: forMs === undefined ? new Promise(() => {}) : simulator.paused,
    stop: () => simulator.stop(),
    report: () => reportTruth(ctx, simulator.truth(), join(workDir, "simulator-truth.json")),
  };
}

function reportTruth(ctx: CliContext, truth: GroundTruth, file: string): void {
  writeFileSync(file, `${JSON.stringify(truth, null, 2)}\n`);
  if (ctx.json) {
    const machines = Object.fromEntries(Object.entries(truth.machines).map(([id, m]) => [id, { cycles: m.cycles, good: m.good, scrap: m.scrap, state: m.state }]));
    return printJson({ level: "truth", modelTime: new Date(truth.modelTime).toISOString(), file, machines }, true);
  }
  say(ctx, `simulator ground truth at ${new Date(truth.modelTime).toISOString()} (${file}):`, `仿真器真值，模型时间 ${new Date(truth.modelTime).toISOString()}（${file}）：`);
  for (const [id, m] of Object.entries(truth.machines)) {
    say(ctx, `  ${id}: cycles ${m.cycles}, good ${m.good}, scrap ${m.scrap}, state ${m.state}`, `  ${id}：循环 ${m.cycles}，良品 ${m.good}，废品 ${m.scrap}，状态 ${m.state}`);
  }
}
