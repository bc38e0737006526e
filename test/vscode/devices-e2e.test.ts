// Issue 15 end to end in a real VS Code (code-server + headless chromium), by keyboard and mouse:
// the OPC UA Devices view against the simulator (add the endpoint, review and trust its
// certificate, browse, drag a variable onto a block that reads a signal: the binding file on disk);
// the walkthrough done in order (open the sample, run it on the simulator, watch a live value
// change on an edge, change the threshold and see the alarms stop, build, stop); and an untrusted
// workspace, where nothing offers to run or build. Screenshots: test-results/screenshots/devices-e2e-*.png.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startSimulator, type RunningSimulator } from "../../simulator/index.ts";
import { root } from "../support/cli.ts";
import { codeServer, packageVsix, startVsCode, type VsCode, type VsCodeOptions } from "../support/code-server.ts";
import { Canvas, activeTabDirty, canvasFrame, centre, quickOpen, until } from "./e2e/canvas-driver.ts";
import { answer, expand, paletteHas, runCommand, showTab, stepDone, treeRow, walkthroughStep } from "./e2e/workbench-driver.ts";

const SAMPLE = "temperature-watch";
const APP_FILE = `${SAMPLE}.iapp.yaml`;

describe("OPC UA devices, a run on the simulator and the walkthrough in VS Code", () => {
  let work: string;
  let vsix: string;

  beforeAll(async () => {
    await codeServer();
    work = mkdtempSync(join(tmpdir(), "dengta-devices-e2e-"));
    execFileSync(process.execPath, [join(root, "scripts", "build-extension.mjs"), "--quiet"], { cwd: root });
    vsix = await packageVsix(join(root, "dist", "extension"), join(work, "dengta-e2e.vsix"));
  }, 600_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  function workspace(name: string, withSample = true): string {
    const folder = join(work, name);
    mkdirSync(folder);
    if (withSample) cpSync(join(root, "samples", SAMPLE), join(folder, SAMPLE), { recursive: true });
    return folder;
  }

  async function session(options: Omit<VsCodeOptions, "vsix">, steps: (vscode: VsCode) => Promise<void>): Promise<void> {
    const vscode = await startVsCode({ vsix, ...options });
    vscode.page.setDefaultTimeout(15_000);
    try {
      await steps(vscode);
    } catch (error) {
      const shot = await vscode.screenshot("failed").catch(() => "(no screenshot)");
      if (error instanceof Error) error.message += `\nscreenshot: ${shot}\n--- VS Code output (tail)\n${vscode.output().slice(-12_000)}`;
      throw error;
    } finally {
      await vscode.stop();
    }
  }

  it("adds the simulator's endpoint, trusts its certificate, browses, and binds a variable dragged onto a signal's block", async () => {
    const folder = workspace("devices");
    const simulator: RunningSimulator = await startSimulator({ port: 0, seed: 1, speed: 1, pkiDir: join(work, "sim-pki") });
    try {
      await session({ workspace: folder, name: "devices-e2e" }, async (vscode) => {
        const { page } = vscode;
        await quickOpen(page, APP_FILE);
        const canvas = new Canvas(page, await canvasFrame(page));

        await runCommand(page, "Dengta: Add OPC UA endpoint");
        await answer(page, simulator.endpointUrl);
        await answer(page, "SignAndEncrypt · Basic256Sha256", "SignAndEncrypt · Basic256Sha256");
        // The server offers a user name as well: this endpoint signs in anonymously.
        const dialog = page.locator(".monaco-dialog-box");
        await until("the sign-in choice or the certificate", async () => (await dialog.isVisible()) || (await page.locator(".quick-input-list .monaco-list-row", { hasText: "Anonymous" }).isVisible()) || undefined);
        if (!(await dialog.isVisible())) await answer(page, "Anonymous", "Anonymous");
        await dialog.waitFor();
        const shown = (await dialog.textContent()) ?? "";
        expect(shown).toContain(simulator.certificateThumbprint.toLowerCase());
        expect(shown).toMatch(/Valid from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d/);
        await vscode.screenshot("certificate");
        await dialog.getByRole("button", { name: "Trust", exact: true }).click();

        await page.locator(".activitybar .action-item a[aria-label^='Dengta']").first().click();
        await expand(page, "ip127_0_0_1", "Machines");
        await expand(page, "Machines", "M2");
        await expand(page, "M2", "Temperature");
        await vscode.screenshot("browsed");

        // Drag M2's temperature onto the block that reads m1Temperature (Shift: VS Code lets a
        // webview take a drop only while it is held).
        const from = await centre(treeRow(page, "Temperature"));
        const to = await centre(canvas.node("temperature"));
        await page.mouse.move(from.x, from.y);
        await page.mouse.down();
        await page.mouse.move(from.x + 20, from.y + 5, { steps: 4 });
        await page.keyboard.down("Shift");
        await page.mouse.move(to.x, to.y, { steps: 12 });
        await page.mouse.up();
        await page.keyboard.up("Shift");

        const bindingFile = join(folder, SAMPLE, "simulator.binding.yaml");
        const binding = await until("the signal bound in the binding file", () => {
          const doc = parse(readFileSync(bindingFile, "utf8"));
          return doc.signals?.m1Temperature?.endpoint === "ip127_0_0_1" ? doc : undefined;
        }, 20_000);
        expect(binding.signals.m1Temperature).toEqual({ endpoint: "ip127_0_0_1", nodeId: "nsu=urn:dengta:simulator;s=M2.Temperature" });
        expect(binding.endpoints.ip127_0_0_1).toEqual({ url: simulator.endpointUrl, security: { mode: "SignAndEncrypt", policy: "Basic256Sha256" } });
        await vscode.screenshot("bound");
      });
    } finally {
      await simulator.stop();
    }
  }, 300_000);

  it("walks through the steps in order: open, run with live values, change the threshold, build, stop", async () => {
    const folder = workspace("walkthrough", false);
    await session({ workspace: folder, name: "walkthrough-e2e" }, async (vscode) => {
      const { page } = vscode;
      await runCommand(page, "Welcome: Open Walkthrough...");
      await answer(page, "ten minutes", "Your first industrial APP in ten minutes");
      const steps = ["openSample", "run", "watch", "threshold", "build"];
      const done = async () => Promise.all(steps.map((s) => stepDone(page, s)));

      await walkthroughStep(page, "openSample").click();
      await page.getByRole("button", { name: "Open temperature-watch", exact: true }).click();
      await canvasFrame(page);
      expect(existsSync(join(folder, SAMPLE, APP_FILE))).toBe(true);

      await showTab(page, "Welcome");
      await until("step 1 done", async () => ((await done()).join() === "true,false,false,false,false" ? true : undefined));
      await walkthroughStep(page, "run").click();
      await page.getByRole("button", { name: "Run with simulator", exact: true }).click();
      await until("step 2 done", async () => ((await done()).slice(0, 2).join() === "true,true" ? true : undefined), 90_000);

      // The canvas is drawn anew each time its tab is shown (its webview is not kept while hidden).
      await showTab(page, APP_FILE);
      const canvas = new Canvas(page, await canvasFrame(page));
      const label = canvas.frame.locator(".react-flow__edge.edge-live .react-flow__edge-text").first();
      const first = await until("a live value on an edge", async () => (await label.textContent().catch(() => null)) || undefined, 90_000);
      await until("the live value to change", async () => ((await label.textContent()) !== first ? true : undefined), 60_000);
      await vscode.screenshot("live");

      await canvas.node("limit").locator(".block-node-title").click();
      const limit = canvas.frame.locator('.inspector input[id="cfg-limit_limit"]');
      await limit.click();
      await page.keyboard.press("Control+A");
      await page.keyboard.type("80");
      await until("the edit in the document", async () => ((await activeTabDirty(page)) ? true : undefined));
      await page.keyboard.press("Control+S");
      await until("the saved limit", () => (readFileSync(join(folder, SAMPLE, APP_FILE), "utf8").includes("limit: 80") ? true : undefined));
      const alarm = canvas.frame.locator('.react-flow__node[data-id="limit"] .live-last');
      await until("the threshold below its new limit", async () => ((await alarm.textContent()) === "false" ? true : undefined), 90_000);
      await vscode.screenshot("threshold");

      await showTab(page, "Welcome");
      await until("steps 3 and 4 done", async () => ((await done()).slice(0, 4).join() === "true,true,true,true" ? true : undefined), 30_000);
      await walkthroughStep(page, "build").click();
      await page.getByRole("button", { name: "Build edge bundle", exact: true }).click();
      await until("the bundle", () => (existsSync(join(folder, "dist", SAMPLE, "manifest.json")) ? true : undefined), 90_000);
      await until("every step done", async () => ((await done()).every(Boolean) ? true : undefined));
      await vscode.screenshot("done");

      await runCommand(page, "Dengta: Stop the run");
      await showTab(page, APP_FILE);
      const stopped = new Canvas(page, await canvasFrame(page));
      await until("the live values gone", async () => ((await stopped.frame.locator(".block-node-live").count()) === 0 ? true : undefined), 20_000);
    });
  }, 400_000);

  it("offers neither run nor build in an untrusted workspace", async () => {
    const folder = workspace("untrusted");
    await session({ workspace: folder, name: "untrusted-e2e", restrictedMode: true }, async (vscode) => {
      const { page } = vscode;
      await quickOpen(page, APP_FILE);
      await canvasFrame(page);
      expect(await paletteHas(page, "Dengta: Run with simulator", "Dengta: Validate APP")).toBe(false);
      expect(await paletteHas(page, "Dengta: Build edge bundle", "Dengta: Validate APP")).toBe(false);
      expect(await page.locator(".editor-actions [aria-label^='Run with simulator']").count()).toBe(0);
      await vscode.screenshot("palette");
    });
  }, 300_000);
});
