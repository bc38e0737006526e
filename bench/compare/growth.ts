/**
 * Growth: how the tools keep up as a flow grows. The same generated flows — chains of
 * timer → scale (JSONata) → threshold → file sink, as bench/generate-app.ts makes them — as a
 * Dengta APP and as a Node-RED flow (inject → change with JSONata → switch → file):
 * - from the saved flow to something that runs: Dengta's validate and compile (a signed bundle)
 *   beside Node-RED's full deploy through its admin API (POST /flows, answered once the flows run);
 * - opening the flow in its editor until it can be worked with: Dengta's canvas in VS Code
 *   (bench/editor.bench.ts, from the Enter in Quick Open) beside Node-RED's editor page in the same
 *   Chromium (from navigation until its workspace has drawn the flow).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "../../test/support/code-server.ts";
import { canvasOpenTimes } from "../editor.bench.ts";
import { generateApp } from "../generate-app.ts";
import { median, timeRuns } from "../measure.ts";
import { benchCompile, benchValidate, makeSigner } from "../validate-compile.bench.ts";
import { compared, round, type Compared } from "./compared.ts";
import { startNodeRed, type NodeRedInstall } from "./node-red/node-red.ts";

const FLOW_SIZES = [50, 500, 5000] as const;
const CANVAS_SIZES = [100, 1000] as const;
const DEPLOY_RUNS = 3;
const OPEN_RUNS = 3;
const EDITOR_DEADLINE_MS = 120_000;

export async function growth(install: NodeRedInstall): Promise<Compared[]> {
  return [...(await toRunningFlow(install)), ...(await editorOpen(install))];
}

// --- saved flow → running flow ----------------------------------------------------------------

async function toRunningFlow(install: NodeRedInstall): Promise<Compared[]> {
  const work = mkdtempSync(join(tmpdir(), "dengta-compare-growth-"));
  const nodeRed = await startNodeRed(install, { flows: [], editor: true });
  try {
    const signer = makeSigner(work);
    const rows: Compared[] = [];
    for (const n of FLOW_SIZES) {
      const app = generateApp(n);
      const validate = await benchValidate(n, app);
      const compile = await benchCompile(n, app, signer, work);
      const flow = nodeRedFlow(app.chains);
      await deploy(nodeRed.url, flow); // the first deploy of a flow creates its nodes' modules' state
      const deploys = await timeRuns(() => deploy(nodeRed.url, flow), { warmup: 0, runs: DEPLOY_RUNS });
      await deploy(nodeRed.url, []);
      rows.push(compared({
        name: `growth: ${app.blocks} blocks, saved flow → runs (Dengta validate + compile; Node-RED deploy)`, unit: "ms", better: "lower",
        dengta: round(validate.median_ms + compile.median_ms, 1), node_red: round(median(deploys), 1), target: null,
        detail: { validate_ms: validate.median_ms, compile_ms: compile.median_ms, node_red_deploy_runs_ms: deploys.map((d) => round(d, 1)).join(", ") },
      }));
    }
    return rows;
  } finally {
    await nodeRed.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** A full deploy, as the editor's Deploy button does; Node-RED answers once the new flows are started. */
async function deploy(url: string, flow: object[]): Promise<void> {
  const response = await fetch(`${url}/flows`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full", "Node-RED-API-Version": "v1" },
    body: JSON.stringify(flow),
  });
  if (response.status >= 300) throw new Error(`Node-RED refused the deploy: ${response.status} ${await response.text()} / Node-RED 拒绝部署`);
}

/** The generated APP's chains as Node-RED core nodes on one tab, laid out as the canvas lays them. */
export function nodeRedFlow(chains: number): object[] {
  const tab = { id: "bench-tab", type: "tab", label: "bench", disabled: false, info: "" };
  const nodes: object[] = [tab];
  for (let index = 0; index < chains; index++) {
    const id = (what: string) => `${what}-${index + 1}`;
    const y = 40 + index * 120;
    const factor = (1 + (index % 7) / 10).toFixed(1);
    const above = index % 2 === 0;
    // Timers do not fire during the measurement (no repeat): a deploy is timed, not the flow's work.
    nodes.push(
      { id: id("tick"), type: "inject", z: tab.id, name: "", props: [{ p: "payload" }], repeat: "", once: false, payload: "1", payloadType: "num", x: 40, y, wires: [[id("scale")]] },
      {
        id: id("scale"), type: "change", z: tab.id, name: "", x: 240, y, wires: [[id("limit")]],
        rules: [{ t: "set", p: "payload", pt: "msg", to: `$round(60 + ${factor} * (payload % 20), 1)`, tot: "jsonata" }],
      },
      {
        id: id("limit"), type: "switch", z: tab.id, name: "", property: "payload", propertyType: "msg", checkall: "true", outputs: 1, x: 440, y,
        rules: [{ t: above ? "gt" : "lt", v: "80", vt: "num" }], wires: [[id("log")]],
      },
      { id: id("log"), type: "file", z: tab.id, name: "", filename: `alarms/${id("log")}.jsonl`, filenameType: "str", appendNewline: true, createDir: true, overwriteFile: "false", encoding: "utf8", x: 640, y, wires: [[]] },
    );
  }
  return nodes;
}

// --- editor open --------------------------------------------------------------------------------

async function editorOpen(install: NodeRedInstall): Promise<Compared[]> {
  const dengta = await canvasOpenTimes(CANVAS_SIZES, OPEN_RUNS);
  const rows: Compared[] = [];
  for (const n of CANVAS_SIZES) {
    const chains = generateApp(n).chains;
    const blocks = chains * 4;
    const nodeRedTimes = await nodeRedEditorOpenTimes(install, chains);
    rows.push(compared({
      name: `growth: open the ${blocks}-block flow in the editor → interactive`, unit: "ms", better: "lower",
      dengta: round(median(dengta.get(blocks)!), 1), node_red: round(median(nodeRedTimes), 1), target: null,
      detail: { dengta_runs_ms: dengta.get(blocks)!.map((t) => round(t, 1)).join(", "), node_red_runs_ms: nodeRedTimes.map((t) => round(t, 1)).join(", ") },
    }));
  }
  return rows;
}

/** Node-RED started with the flow, its editor loaded in Chromium: an untimed load, then OPEN_RUNS timed. */
async function nodeRedEditorOpenTimes(install: NodeRedInstall, chains: number): Promise<number[]> {
  const nodeRed = await startNodeRed(install, { flows: nodeRedFlow(chains), editor: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const times: number[] = [];
    for (let i = 0; i <= OPEN_RUNS; i++) {
      const started = Date.now();
      await page.goto(nodeRed.url, { waitUntil: "commit" });
      const drawnAt = (await page.evaluate(`(${WATCH_NODE_RED_DRAWN})(${chains * 4}, ${EDITOR_DEADLINE_MS})`)) as number;
      if (i > 0) times.push(drawnAt - started);
    }
    return times;
  } finally {
    await browser.close();
    await nodeRed.stop();
  }
}

/**
 * Runs in the editor page: resolves (with Date.now()) at the animation frame after the one in
 * which the editor holds all `expected` nodes and the drawn set held still for a frame — the
 * editor draws the nodes in view, as Dengta's canvas does.
 */
const WATCH_NODE_RED_DRAWN = String.raw`(expected, deadlineMs) => new Promise((resolve, reject) => {
  const deadline = Date.now() + deadlineMs;
  let previous = -1;
  const loaded = () => {
    try { let n = 0; window.RED.nodes.eachNode(() => { n++; }); return n; } catch { return 0; }
  };
  const frame = () => {
    const drawn = document.querySelectorAll("#red-ui-workspace-chart .red-ui-flow-node").length;
    const held = drawn > 0 && drawn === previous;
    previous = drawn;
    if (held && loaded() === expected) { requestAnimationFrame(() => resolve(Date.now())); return; }
    if (Date.now() > deadline) { reject(new Error("Node-RED's editor did not draw the flow: " + drawn + " drawn, " + loaded() + " of " + expected + " loaded")); return; }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})`;
