// The README's main job: one simulated shift of the line-capture APP on the built-in simulator,
// then each machine's counts as the APP stored them beside the simulator's own ground truth.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const app = "samples/line-capture/line-capture.iapp.yaml";
const binding = "samples/line-capture/simulator.binding.yaml";
const work = join(root, "out", "run", "line-capture");
const shift = { hours: 8, speed: 600, seed: 1 };

function step(title) {
  process.stdout.write(`\n== ${title}\n`);
}

function dengta(...args) {
  const result = spawnSync(process.execPath, ["bin/dengta.mjs", ...args], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`demo stopped: dengta ${args[0]} failed (exit ${result.status}) / 演示中止：dengta ${args[0]} 失败\n`);
    process.exit(result.status || 1);
  }
}

/** The last value the APP stored for each series, from the bundle's own SQLite history. */
function lastStored(database) {
  const db = new DatabaseSync(database, { readOnly: true });
  const rows = db.prepare("SELECT series, value FROM history h WHERE id = (SELECT max(id) FROM history WHERE series = h.series)").all();
  db.close();
  return Object.fromEntries(rows.map((r) => [r.series, JSON.parse(r.value)]));
}

process.stdout.write(`Dengta demo on Node ${process.version} / 灯塔演示\n`);
step("1. validate the APP and its binding / 校验 APP 与绑定文件");
dengta("validate", app, "--binding", binding);

step(`2. one ${shift.hours} h shift on the simulator at ×${shift.speed} / 在仿真器上以 ×${shift.speed} 速度运行一个 ${shift.hours} 小时班次`);
dengta("run", app, "--binding", binding, "--speed", String(shift.speed), "--seed", String(shift.seed), "--for", `${shift.hours}h`);

step("3. captured by the APP beside the simulator's ground truth / APP 采集值与仿真器真值对比");
const database = join(work, "data", "dengta.db");
const truthFile = join(work, "simulator-truth.json");
if (!existsSync(database) || !existsSync(truthFile)) {
  process.stderr.write("demo stopped: the run left no history or no ground truth / 演示中止：运行未留下历史数据或真值\n");
  process.exit(1);
}
const stored = lastStored(database);
const truth = JSON.parse(readFileSync(truthFile, "utf8"));
let mismatches = 0;
process.stdout.write(`${"machine / 机器".padEnd(16)}${"".padEnd(2)}${"cycles 循环".padStart(14)}${"good 良品".padStart(14)}${"scrap 废品".padStart(14)}\n`);
for (const [id, machine] of Object.entries(truth.machines)) {
  const captured = { cycles: stored[`${id}Cycles`] ?? 0, good: stored[`${id}Good`] ?? 0, scrap: stored[`${id}Scrap`] ?? 0 };
  const same = captured.cycles === machine.cycles && captured.good === machine.good && captured.scrap === machine.scrap;
  if (!same) mismatches++;
  process.stdout.write(`${`${id} APP`.padEnd(18)}${String(captured.cycles).padStart(14)}${String(captured.good).padStart(14)}${String(captured.scrap).padStart(14)}\n`);
  process.stdout.write(`${`${id} simulator`.padEnd(18)}${String(machine.cycles).padStart(14)}${String(machine.good).padStart(14)}${String(machine.scrap).padStart(14)}  ${same ? "✓ same / 一致" : "✗ differ / 不一致"}\n`);
}
if (mismatches > 0) {
  process.stderr.write(`${mismatches} machine(s) differ from the ground truth / ${mismatches} 台机器与真值不一致\n`);
  process.exit(1);
}
process.stdout.write(`\nhistory / 历史数据: ${relative(root, database)}\n`);
