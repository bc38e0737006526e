import { homedir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { UserError } from "../../core/user-error.ts";
import { parseDuration } from "../../runtime/duration.ts";
import { parseFault, type FaultSpec } from "../../simulator/model/faults.ts";
import type { RunningSimulator } from "../../simulator/index.ts";
import { say, type CliContext } from "../output.ts";

const STATUS_EVERY_MS = 5000;

interface SimFlags {
  port: string;
  host: string;
  seed: string;
  speed: string;
  fault?: string[];
  pki?: string;
  for?: string;
}

export function simCommand(ctx: CliContext): Command {
  const zh = ctx.locale === "zh-CN";
  return new Command("sim")
    .description(zh ? "启动模拟产线（OPC UA 服务器：3 台机器、检测工位、相机），供培训与测试" : "start the simulated line (an OPC UA server: 3 machines, an inspection station, a camera) for training and tests")
    .option("--port <port>", zh ? "端口（0 = 任意空闲端口）" : "port (0 = any free port)", "4840")
    .option("--host <host>", zh ? "监听地址" : "address to listen on", "127.0.0.1")
    .option("--seed <n>", zh ? "随机种子：相同种子得到相同的产线" : "random seed: the same seed gives the same line", "1")
    .option("--speed <n>", zh ? "模型时间倍速（例如 60 = 1 分钟墙钟时间模拟 1 小时）" : "model time multiplier (e.g. 60 = one hour simulated per minute)", "1")
    .option("--fault <spec...>", zh ? "注入故障，例如 m2:overheat@60s、m1:down@2h、server:restart@30s（模型时间）" : "inject faults, e.g. m2:overheat@60s, m1:down@2h, server:restart@30s (model time)")
    .option("--pki <dir>", zh ? "服务器证书目录（重启后复用）" : "folder for the server's certificate (reused across runs)")
    .option("--for <duration>", zh ? "运行指定的模型时长后退出，例如 8h" : "stop after this much model time, e.g. 8h")
    .option("--json", zh ? "以 JSON 行输出" : "print JSON lines")
    .action(async (flags: SimFlags) => {
      const faults = (flags.fault ?? []).map(parseFault);
      const forMs = flags.for === undefined ? undefined : duration(flags.for);
      // Loaded here: the OPC UA server would cost every other command its start-up time.
      const { startSimulator } = await import("../../simulator/index.ts");
      const sim = await startSimulator({
        host: flags.host, port: integer("--port", flags.port), seed: integer("--seed", flags.seed), speed: speed(flags.speed),
        pkiDir: flags.pki ?? join(homedir(), ".dengta", "sim-pki"), faults,
        onNotice: (notice) => say(ctx, notice.en, notice.zh),
      });
      announce(ctx, sim, faults);
      await runUntilStopped(ctx, sim, forMs);
      await sim.stop();
      finish(ctx, sim);
    });
}

function announce(ctx: CliContext, sim: RunningSimulator, faults: FaultSpec[]): void {
  if (ctx.json) return line({ event: "started", endpointUrl: sim.endpointUrl, namespaceUri: sim.namespaceUri, certificateThumbprint: sim.certificateThumbprint, faults });
  say(ctx, `simulator listening on ${sim.endpointUrl} (namespace ${sim.namespaceUri})`, `模拟产线已启动：${sim.endpointUrl}（命名空间 ${sim.namespaceUri}）`);
  say(ctx, "any client certificate is trusted: for training only; stop with Ctrl+C", "信任任何客户端证书：仅用于培训；按 Ctrl+C 停止");
}

/** Prints a status line every few seconds until a signal arrives or the model has run `forMs`. */
function runUntilStopped(ctx: CliContext, sim: RunningSimulator, forMs: number | undefined): Promise<void> {
  const start = sim.modelNow();
  return new Promise((resolve) => {
    const done = () => {
      clearInterval(status);
      clearInterval(watch);
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    const status = setInterval(() => report(ctx, sim), STATUS_EVERY_MS);
    const watch = setInterval(() => { if (forMs !== undefined && sim.modelNow() - start >= forMs) done(); }, 20);
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

function report(ctx: CliContext, sim: RunningSimulator): void {
  const truth = sim.truth();
  const time = new Date(sim.modelNow()).toISOString();
  if (ctx.json) {
    const machines = Object.fromEntries(Object.entries(truth.machines).map(([id, m]) => [id, { state: m.state, cycles: m.cycles, good: m.good, scrap: m.scrap }]));
    return line({ event: "status", modelTime: time, machines, parts: truth.parts.length, rejects: truth.rejects.length });
  }
  const machines = Object.entries(truth.machines).map(([id, m]) => `${id} ${m.state} ${m.good}/${m.scrap}`).join("  ");
  say(ctx, `[${time}] ${machines}  (good/scrap)  parts ${truth.parts.length} rejects ${truth.rejects.length}`,
    `[${time}] ${machines}（良品/废品）  工件 ${truth.parts.length} 剔除 ${truth.rejects.length}`);
}

function finish(ctx: CliContext, sim: RunningSimulator): void {
  const truth = sim.truth();
  if (ctx.json) return line({ event: "stopped", truth: { ...truth, parts: truth.parts.length } });
  report(ctx, sim);
  say(ctx, "simulator stopped", "模拟产线已停止");
}

function line(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function integer(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new UserError(`${flag} needs a whole number ≥ 0, not "${text}"`, `${flag} 需要 ≥ 0 的整数，而不是 "${text}"`);
  return value;
}

function speed(text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new UserError(`--speed needs a number > 0, not "${text}"`, `--speed 需要大于 0 的数，而不是 "${text}"`);
  return value;
}

function duration(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new UserError(`--for needs a duration such as 30s, 5m or 8h, not "${text}"`, `--for 需要时长，例如 30s、5m 或 8h，而不是 "${text}"`);
  return value;
}
