/**
 * Dengta beside Node-RED, what users would otherwise pick, on the same workloads in one run on one
 * machine (`npm run bench:compare`; not part of `npm run bench`): message throughput of a block
 * chain against the plain limit, OPC UA capture, footprint of the same job, and growth with the
 * flow's size. Node-RED 5 and node-red-contrib-opcua are installed from npm into
 * out/bench-compare/node-red (bench/compare/node-red/package.json), never into the project.
 * The table, bench/results.json and docs/benchmarks.md are written by bench/run.mjs; the chart of
 * the ratios goes to docs/bench-compare.svg.
 */
import { join } from "node:path";
import { chainThroughput } from "./compare/chain.ts";
import { writeChart } from "./compare/chart.ts";
import type { Compared } from "./compare/compared.ts";
import { footprint } from "./compare/footprint.ts";
import { growth } from "./compare/growth.ts";
import { installNodeRed } from "./compare/node-red/node-red.ts";
import { opcuaCapture } from "./compare/opcua-capture.ts";
import { stopAllChildren } from "./bundle-process.ts";

export { columns, rowOf } from "./compare/compared.ts";

const CHART = join(import.meta.dirname, "..", "..", "docs", "bench-compare.svg");

export async function run(): Promise<Compared[]> {
  const install = await installNodeRed();
  try {
    const workloads: Compared[] = [];
    for (const section of [chainThroughput, opcuaCapture, footprint, growth]) {
      console.log(`\n${section.name} …`);
      workloads.push(...(await section(install)));
    }
    writeChart(CHART, workloads, `Dengta vs Node-RED ${install.nodeRedVersion} (node-red-contrib-opcua ${install.opcuaVersion}), one run on one machine`);
    return workloads;
  } finally {
    await stopAllChildren();
  }
}
