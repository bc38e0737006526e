// The README's main job: one simulated shift of the vision-inspection APP on the built-in simulator
// at speed — every part pictured, judged and, when it fails, rejected by its serial — then its
// verdicts beside the simulator's ground truth and, as the last line, the path of the shift's report.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const app = "samples/vision-inspection/vision-inspection.iapp.yaml";
const binding = "samples/vision-inspection/simulator.binding.yaml";
const work = join(root, "out", "run", "vision-inspection");
// The 早班 (08:00–16:00 in Shanghai), and one minute of the next shift so the APP sees it end.
const shift = { name: "早班 08:00–16:00", run: "8h1m", speed: 300, seed: 1 };
/** The APP's OEE of M3 must match the simulator's within this (relative). */
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
const say = (en, zh) => process.stdout.write(`${en}\n  ${zh}\n`);

/** Every verdict the APP stored, by serial: `pass` true or false, or a `code` for a part without a picture. */
function appVerdicts() {
  const db = new DatabaseSync(join(work, "data", "dengta.db"), { readOnly: true });
  const rows = db.prepare("SELECT value FROM history WHERE series = 'verdicts'").all();
  db.close();
  return new Map(rows.map((row) => JSON.parse(row.value)).map((v) => [v.serial, v]));
}

/** The APP's complete report of the shift, from the file its reports node writes. */
function shiftReport() {
  const file = join(work, "data", "reports", "reports.jsonl");
  if (!existsSync(file)) stop("the run left no shift report", "运行未留下班次报表");
  const report = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line).value).find((r) => !r.partial);
  if (!report) stop("no complete shift report", "没有完整的班次报表");
  return report;
}

process.stdout.write(`Dengta demo on Node ${process.version} / 灯塔演示\n`);
step("1. validate the APP and its binding / 校验 APP 与绑定文件");
dengta("validate", app, "--binding", binding);

step(`2. the ${shift.name} shift on the simulator at ×${shift.speed} / 在仿真器上以 ×${shift.speed} 速度运行${shift.name}班次`);
dengta("run", app, "--binding", binding, "--speed", String(shift.speed), "--seed", String(shift.seed), "--for", shift.run);

step("3. the APP's verdicts beside the simulator's ground truth / APP 判定结果与仿真器真值对比");
const truth = JSON.parse(readFileSync(join(work, "simulator-truth.json"), "utf8"));
const verdicts = appVerdicts();
const defective = truth.parts.filter((p) => p.defect !== "none");
const good = truth.parts.filter((p) => p.defect === "none");
const escaped = defective.filter((p) => verdicts.get(p.serial)?.pass === true || !verdicts.has(p.serial));
const falselyRejected = good.filter((p) => verdicts.has(p.serial) && verdicts.get(p.serial).pass !== true);
const rejectedByApp = [...verdicts.values()].filter((v) => v.pass !== true).map((v) => v.serial);
const rejectedAtStation = new Set(truth.rejects.filter((r) => r.known).map((r) => r.serial));
const rejectsMissing = rejectedByApp.filter((serial) => !rejectedAtStation.has(serial));
say(`parts inspected: ${verdicts.size} of ${truth.parts.length} that reached the station (${defective.length} with a defect)`,
  `检测零件：到达工位的 ${truth.parts.length} 个中检测了 ${verdicts.size} 个（其中 ${defective.length} 个有缺陷）`);
say(`escape rate: ${escaped.length} / ${defective.length} = ${percent(escaped.length / defective.length)} (defective parts passed)`,
  `漏检率：${escaped.length} / ${defective.length} = ${percent(escaped.length / defective.length)}（有缺陷却放行）`);
say(`false-reject rate: ${falselyRejected.length} / ${good.length} = ${percent(falselyRejected.length / good.length)} (good parts rejected)`,
  `误检率：${falselyRejected.length} / ${good.length} = ${percent(falselyRejected.length / good.length)}（合格却剔除）`);
say(`rejects received by the station: ${rejectedAtStation.size} for the ${rejectedByApp.length} parts the APP rejected`,
  `工位收到的剔除：${rejectedAtStation.size} 次，对应 APP 剔除的 ${rejectedByApp.length} 个零件`);

const report = shiftReport();
const m3 = truth.shifts.find((s) => s.start === report.start)?.machines.m3;
if (m3 && report.totals.oee !== null) {
  say(`M3 OEE: APP ${percent(report.totals.oee)}, simulator ${percent(m3.oee)}`, `3 号机 OEE：APP ${percent(report.totals.oee)}，仿真器 ${percent(m3.oee)}`);
}
if (escaped.length > 0) stop(`${escaped.length} defective part(s) passed`, `${escaped.length} 个有缺陷的零件被放行`);
if (rejectsMissing.length > 0) stop(`${rejectsMissing.length} rejected part(s) never reached the station's reject`, `${rejectsMissing.length} 个剔除零件未送达工位剔除`);
if (!m3 || Math.abs(report.totals.oee / m3.oee - 1) > TOLERANCE) stop("M3's OEE differs from the ground truth by more than 0.5 %", "3 号机 OEE 与真值相差超过 0.5 %");

process.stdout.write(`\nshift report / 班次报表 (${report.period} ${report.date}; HTML, with .csv and .xlsx beside it):\n`);
process.stdout.write(`${report.files.html}\n`);
