// Runs every bench/*.bench.ts: bundles it with esbuild into dist/bench/ (under the project, so
// core finds its home folder), imports it, calls its `run()`, then prints a table, writes
// bench/results.json and rewrites the bench's section of docs/benchmarks.md.
// A missed target is reported as MISSED, never as a failure: the exit code is 0 unless a bench crashes.
// `node bench/run.mjs [name...]` (`npm run bench -- runtime`) runs only the benches whose name
// contains one of the words; the default is all but `compare`, which installs Node-RED and runs
// for many minutes (`npm run bench:compare`). The other benches' results are kept.
// A bench may export `columns` and `rowOf(workload)` for a table of its own shape.
import { buildNodeTool } from "../scripts/esbuild-node.mjs";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, platform, arch, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const root = fileURLToPath(new URL("..", import.meta.url));
const benchDir = join(root, "bench");
const outDir = join(root, "dist", "bench");
const docsFile = join(root, "docs", "benchmarks.md");
const resultsFile = join(benchDir, "results.json");

const columns = ["workload", "blocks", "runs", "median ms", "p95 ms", "ms/block", "heap MB", "rss MB", "target", "status"];
const machine = describeMachine();
const only = process.argv.slice(2);

async function main() {
  exposeGc();
  const sections = [];
  const files = benchFiles();
  if (files.length === 0) throw new Error(`no bench matches ${only.join(", ")}`);
  for (const file of files) sections.push(await runBench(file));
  const workloads = [...keptResults(sections), ...sections.flatMap((s) => s.workloads.map((w) => ({ bench: s.name, ...w })))];
  writeFileSync(resultsFile, `${JSON.stringify({ ...machine, workloads }, null, 2)}\n`);
  for (const section of sections) updateDocs(section);
  console.log(`\nwrote ${shortPath(resultsFile)} and ${shortPath(docsFile)}`);
}

/** Lets the benches measure retained heap after a full collection (`globalThis.gc`). */
function exposeGc() {
  if (typeof globalThis.gc === "function") return;
  setFlagsFromString("--expose-gc");
  globalThis.gc = runInNewContext("gc");
}

function describeMachine() {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    machine: `${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()}-${arch()}`,
  };
}

/** Benches run only when asked for by name. */
const ON_REQUEST = ["compare.bench.ts"];

function benchFiles() {
  const all = readdirSync(benchDir).filter((f) => f.endsWith(".bench.ts")).sort();
  if (only.length === 0) return all.filter((f) => !ON_REQUEST.includes(f));
  return all.filter((f) => only.some((word) => f.replace(/\.bench\.ts$/, "").includes(word)));
}

/** With a filter, the results of the benches not run stay in the results file (untagged ones from before the filter too). */
function keptResults(sections) {
  if (only.length === 0 || !existsSync(resultsFile)) return [];
  const ran = new Set(sections.map((s) => s.name));
  const previous = JSON.parse(readFileSync(resultsFile, "utf8")).workloads ?? [];
  return previous.filter((w) => w.bench === undefined || !ran.has(w.bench));
}

async function runBench(file) {
  const name = file.replace(/\.bench\.ts$/, "");
  const bundled = await bundle(file, name);
  console.log(`\n${name}`);
  const bench = await import(pathToFileURL(bundled).href);
  const workloads = await bench.run();
  const shape = tableShape(bench);
  printTable(workloads, shape);
  return { name, workloads, shape };
}

/** The bench's own columns, or the common ones. */
function tableShape(bench) {
  return bench.columns && bench.rowOf ? { columns: bench.columns, rowOf: bench.rowOf, leftFrom: bench.columns.length - 2 } : { columns, rowOf, leftFrom: 8 };
}

async function bundle(file, name) {
  await buildNodeTool({ [name]: join(benchDir, file) }, outDir);
  return join(outDir, `${name}.mjs`);
}

// --- output -------------------------------------------------------------------------------

function rowOf(w) {
  return [
    w.name, String(w.blocks), String(w.runs), fixed(w.median_ms, 1), fixed(w.p95_ms, 1), fixed(w.per_block_ms, 4),
    w.heap_mb === undefined ? "" : fixed(w.heap_mb, 2), w.rss_mb === undefined ? "" : fixed(w.rss_mb, 0),
    targetText(w), status(w),
  ];
}

function targetText(w) {
  if (w.target === null) return "—";
  return w.per_block_ratio_vs_50 === undefined ? w.target : `${w.target} (×${w.per_block_ratio_vs_50} vs 50, ×${w.per_block_ratio_vs_500} vs 500)`;
}

function status(w) {
  if (w.target === null) return "—";
  return w.met ? "met" : "MISSED";
}

function fixed(value, digits) {
  return value.toFixed(digits);
}

function printTable(workloads, shape) {
  const rows = [shape.columns, ...workloads.map(shape.rowOf)];
  const widths = shape.columns.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((cell, i) => (i === 0 || i >= shape.leftFrom ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log(line(rows[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows.slice(1)) console.log(line(r));
}

function markdownTable(workloads, shape) {
  const line = (r) => `| ${r.join(" | ")} |`;
  const align = shape.columns.map((_, i) => (i === 0 || i >= shape.leftFrom ? "---" : "---:"));
  return [line(shape.columns), line(align), ...workloads.map((w) => line(shape.rowOf(w)))].join("\n");
}

// --- docs ---------------------------------------------------------------------------------

function updateDocs({ name, workloads, shape }) {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${sectionText(workloads, shape)}\n${end}`;
  const text = existsSync(docsFile) ? readFileSync(docsFile, "utf8") : "# Benchmarks\n";
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const updated = from >= 0 && to > from
    ? text.slice(0, from) + block + text.slice(to + end.length)
    : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(docsFile, updated);
}

function sectionText(workloads, shape) {
  const missed = workloads.filter((w) => !w.met).map((w) => w.name);
  return [
    `_Generated by \`npm run bench\` on ${machine.date.slice(0, 16).replace("T", " ")} UTC; do not edit by hand._`,
    "",
    `- Node: ${machine.node}`,
    `- Machine: ${machine.machine}`,
    `- Targets: ${missed.length === 0 ? "all met" : `MISSED: ${missed.join(", ")}`}`,
    "",
    markdownTable(workloads, shape),
  ].join("\n");
}

function shortPath(path) {
  return path.startsWith(root) ? path.slice(root.length) : path;
}

await main();
