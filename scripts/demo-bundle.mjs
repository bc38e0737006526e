// Validate, sign, build, verify and run the oven-watch sample as an edge bundle (npm run demo:bundle).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = join(root, "out", "demo");
const sample = "samples/oven-watch";
const app = `${sample}/oven-watch.iapp.yaml`;
const binding = `${sample}/training-bench.binding.yaml`;
const bundle = join(work, "oven-watch");
const key = join(work, "keys", "demo");
const data = join(work, "data");

function step(title) {
  process.stdout.write(`\n== ${title}\n`);
}

function run(args, what) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`demo stopped: ${what} failed (exit ${result.status}) / 演示中止：${what} 失败\n`);
    process.exit(result.status || 1);
  }
}

const dengta = (...args) => ["bin/dengta.mjs", ...args];

process.stdout.write(`Dengta demo on Node ${process.version} / 灯塔演示\n`);
step("1. validate the APP and its binding / 校验 APP 与绑定文件");
run(dengta("validate", app, "--binding", binding), "validate");

step("2. make a publisher key (once) / 生成发布者密钥（仅一次）");
if (existsSync(`${key}.key`)) process.stdout.write(`using ${relative(root, key)}.key\n`);
else run(dengta("keygen", "--out", key), "keygen");

step("3. build the signed edge bundle / 编译并签名边缘包");
run(dengta("build", app, "--binding", binding, "--out", bundle, "--key", `${key}.key`), "build");
run(dengta("verify", bundle, "--trust-key", `${key}.pub`), "verify");

step("4. run it with node main.js: 30 ticks, 200 ms apart / 用 node main.js 运行：30 个节拍，间隔 200 毫秒");
rmSync(data, { recursive: true, force: true });
mkdirSync(data, { recursive: true });
run([join(bundle, "main.js"), "--trust-key", `${key}.pub`, "--data", data], "the bundle");

step("5. what it produced / 运行结果");
const readings = readFileSync(join(data, "readings", "readings.csv"), "utf8").trim().split("\n");
const alarms = readFileSync(join(data, "alarms", "alarms.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
process.stdout.write(`readings / 读数: ${readings.length - 1} rows, e.g.\n  ${readings.slice(0, 4).join("\n  ")}\n`);
process.stdout.write(`alarms / 报警: ${alarms.length}\n`);
for (const a of alarms) process.stdout.write(`  ${a.ts}  ${a.value.state.padEnd(8)} ${a.value.value} °C (limit ${a.value.limit} °C)\n`);
process.stdout.write(`\nbundle / 边缘包: ${relative(root, bundle)}  (${relative(root, bundle)}.tgz)\n`);
process.stdout.write(`results / 结果: ${relative(root, data)}\n`);
