// The README's main job: one simulated shift of the oee-line APP on the built-in simulator at
// speed, then each machine's OEE as the APP reported it beside the simulator's own ground truth.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const app = "samples/oee-line/oee-line.iapp.yaml";
const binding = "samples/oee-line/simulator.binding.yaml";
const work = join(root, "out", "run", "oee-line");
// The 早班 (08:00–16:00 in Shanghai), and one minute of the next shift so the APP sees it end.
const shift = { name: "早班 08:00–16:00", run: "8h1m", speed: 600, seed: 1 };
const TOLERANCE = 0.005;

function step(title) {
  process.stdout.write(`\n== ${title}\n`);
}

function dengta(...args) {
  const result = spawnSync(process.execPath, ["bin/dengta.mjs", ...args], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) stop(`dengta ${args[0]} failed (exit ${result.status})`, `dengta ${args[0]} 失败（退出码 ${result.status}）`);
}

function stop(en, zh) {
  process.stderr.write(`demo stopped: ${en} / 演示中止：${zh}\n`);
  process.exit(1);
}

const percent = (ratio) => `${(ratio * 100).toFixed(2)} %`;
/** First column left-aligned, figures right-aligned, the last (words) after two spaces. */
const row = (cells, widths) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : i === cells.length - 1 ? `  ${c}` : String(c).padStart(widths[i]))).join("");

/** The APP's complete shift reports, from the file its shiftReports node writes. */
function appReports() {
  const file = join(work, "data", "shiftReports", "oee-shifts.jsonl");
  if (!existsSync(file)) stop("the run left no shift report", "运行未留下班次报表");
  return readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line).value).filter((r) => !r.partial);
}

process.stdout.write(`Dengta demo on Node ${process.version} / 灯塔演示\n`);
step("1. validate the APP and its binding / 校验 APP 与绑定文件");
dengta("validate", app, "--binding", binding);

step(`2. the ${shift.name} shift on the simulator at ×${shift.speed} / 在仿真器上以 ×${shift.speed} 速度运行${shift.name}班次`);
dengta("run", app, "--binding", binding, "--speed", String(shift.speed), "--seed", String(shift.seed), "--for", shift.run);

step("3. OEE per machine: the APP beside the simulator's ground truth / 各机器 OEE：APP 计算值与仿真器真值对比");
const truth = JSON.parse(readFileSync(join(work, "simulator-truth.json"), "utf8"));
const reports = appReports();
if (reports.length === 0 || truth.shifts.length === 0) stop("no complete shift to compare", "没有可对比的完整班次");
const widths = [20, 12, 12, 12, 12, 12, 24];
process.stdout.write(`${row(["machine 机器", "OEE", "A 时间", "P 性能", "Q 质量", "Δ OEE", "top loss 最大损失"], widths)}\n`);
let outside = 0;
for (const report of reports) {
  const expected = truth.shifts.find((s) => s.start === report.start)?.machines[report.machine.toLowerCase()];
  if (!expected) stop(`no ground truth for ${report.machine} ${report.shift}`, `${report.machine} ${report.shift} 没有真值`);
  const delta = report.oee / expected.oee - 1;
  const ok = Math.abs(delta) <= TOLERANCE;
  if (!ok) outside++;
  const loss = report.downtimeReasons[0];
  const top = loss ? `${loss.reason || loss.state} ${Math.round(loss.seconds / 60)} min` : "—";
  process.stdout.write(`${row([`${report.machine} ${report.shift} APP`, percent(report.oee), percent(report.availability), percent(report.performance), percent(report.quality), "", top], widths)}\n`);
  process.stdout.write(`${row([`${report.machine} simulator 仿真器`, percent(expected.oee), percent(expected.availability), percent(expected.performance), percent(expected.quality), `${(delta * 100).toFixed(3)} %`, ok ? "✓ within 0.5 % / 误差 < 0.5 %" : "✗ differs / 不一致"], widths)}\n`);
}
if (outside > 0) stop(`${outside} machine(s) differ from the ground truth by more than 0.5 %`, `${outside} 台机器与真值相差超过 0.5 %`);
process.stdout.write(`\nshift reports / 班次报表: ${relative(root, join(work, "data", "shiftReports", "oee-shifts.jsonl"))}\n`);
