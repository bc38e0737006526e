// The canvas end to end in a real VS Code (code-server + headless chromium), driven like a user:
// Quick Open, drag from the palette, connect by dragging handles, type in the inspector, Ctrl+S,
// a refused connection, Ctrl+Z back to the original file byte for byte; and the canvas in Chinese.
// Only the mouse and keyboard of the workbench page are used: no extension API, no posted messages.
// Screenshots of the key steps: test-results/screenshots/canvas-e2e-*.png.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "../support/cli.ts";
import { codeServer, packageVsix, startVsCode, type VsCode, type VsCodeOptions } from "../support/code-server.ts";
import { chineseLanguagePack, prepareLocale } from "./e2e/language-pack.ts";
import { Canvas, activeTabDirty, canvasFrame, quickOpen, until, untilFileIs, type Shown } from "./e2e/canvas-driver.ts";
import { answer, runCommand, walkthroughStep } from "./e2e/workbench-driver.ts";

const APP_FILE = "oven-watch.iapp.yaml";
const ORIGINAL_NODES = ["alarms", "limit", "oven", "readings", "tick"];
const ORIGINAL_EDGES = ["limit.alarm->alarms.in", "oven.out->limit.in", "oven.out->readings.in", "tick.out->oven.in"];

describe("the canvas in VS Code, driven with mouse and keyboard", () => {
  let work: string;
  let vsix: string;

  beforeAll(async () => {
    await codeServer(); // once per machine: installs into the cache
    work = mkdtempSync(join(tmpdir(), "dengta-canvas-e2e-"));
    execFileSync(process.execPath, [join(root, "scripts", "build-extension.mjs"), "--with-tests", "--quiet"], { cwd: root });
    vsix = await packageVsix(join(root, "dist", "extension"), join(work, "dengta-e2e.vsix"));
  }, 600_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  /** A workspace holding a fresh copy of samples/oven-watch (an APP in it activates the extension). */
  function workspace(name: string): { folder: string; file: string } {
    const folder = join(work, name);
    mkdirSync(folder);
    cpSync(join(root, "samples", "oven-watch"), join(folder, "oven-watch"), { recursive: true });
    return { folder, file: join(folder, "oven-watch", APP_FILE) };
  }

  /** Starts VS Code, runs `steps`, and on failure adds a screenshot and VS Code's output to the error. */
  async function session(options: VsCodeOptions, steps: (vscode: VsCode) => Promise<void>): Promise<void> {
    const vscode = await startVsCode(options);
    vscode.page.setDefaultTimeout(10_000);
    try {
      await steps(vscode);
    } catch (error) {
      const shot = await vscode.screenshot("failed").catch(() => "(no screenshot)");
      const output = vscode.output();
      if (error instanceof Error) error.message += `\nscreenshot: ${shot}\n--- VS Code output (tail)\n${output.slice(-12_000)}`;
      throw error;
    } finally {
      await vscode.stop();
    }
  }

  /** Quick Open on the APP; the canvas (the default editor of *.iapp.yaml) shows oven-watch's graph. */
  async function openCanvas(vscode: VsCode): Promise<Canvas> {
    await quickOpen(vscode.page, APP_FILE);
    const canvas = new Canvas(vscode.page, await canvasFrame(vscode.page));
    await canvas.untilShown("oven-watch's five nodes and four edges", (s) => same(s.nodes, ORIGINAL_NODES) && same(s.edges, ORIGINAL_EDGES));
    return canvas;
  }

  it("adds, connects and configures a block, saves, refuses a bad connection, and undoes back to the original bytes", async () => {
    const { folder, file } = workspace("en");
    const original = readFileSync(file, "utf8");
    const onDisk = () => readFileSync(file, "utf8");

    await session({ vsix, workspace: folder, name: "canvas-e2e" }, async (vscode) => {
      const { page } = vscode;
      // 1. Open the APP: it opens in the canvas.
      const canvas = await openCanvas(vscode);
      const { frame } = canvas;
      const start = await canvas.shown();
      expect(start.badges).toEqual({});
      await vscode.screenshot("canvas-opened");

      // 2. The palette finds the threshold block by a Chinese query in the English UI; drag it onto
      //    empty canvas, above and left of the graph. React Flow's transform gives the flow position
      //    under the drop point (a node is placed with its top-left corner there).
      await frame.locator(".palette-search").fill("阈值");
      const item = frame.locator(".palette-item", { hasText: "dengta.logic.threshold" });
      await item.waitFor();
      expect(await item.locator(".palette-item-title").textContent()).toBe("Threshold");
      const pane = frame.locator(".react-flow__pane");
      const paneBox = (await pane.boundingBox())!;
      const drop = { x: Math.round(paneBox.width * 0.3), y: Math.round(paneBox.height * 0.2) };
      const view = await canvas.viewport();
      await item.dragTo(pane, { targetPosition: drop });
      const added = await canvas.untilShown("a sixth node after the drop", (s) => s.nodes.length === 6);
      const id = added.nodes.find((n) => !ORIGINAL_NODES.includes(n))!;
      expect(id).toBe("threshold"); // core's readable id for dengta.logic.threshold, free in oven-watch
      // Its required input is unconnected and its required `limit` unset: two errors on the node.
      expect(added.badges).toEqual({ [id]: "✖ 2" });
      expect(added.edges).toEqual(ORIGINAL_EDGES);
      expect(await activeTabDirty(page)).toBe(true);
      expect(onDisk()).toBe(original); // no auto save: the disk changes on Ctrl+S only
      await vscode.screenshot("block-added");

      // 3. Connect oven.out (any) to the new block's input (number) by dragging between the handles.
      await canvas.dragHandle(canvas.handle("oven", "out", "source"), canvas.handle(id, "in", "target"));
      const connected = await canvas.untilShown(`the edge oven.out->${id}.in`, (s) => s.edges.includes(`oven.out->${id}.in`));
      expect(connected.edges).toEqual([...ORIGINAL_EDGES, `oven.out->${id}.in`].sort());
      await canvas.untilShown("one problem left on the new node", (s) => s.badges[id] === "✖");
      await vscode.screenshot("connected");

      // 4. Select the node, type its limit in the inspector; after the 300 ms debounce the document
      //    carries it, which the canvas shows as the node's last problem gone.
      await canvas.node(id).locator(".block-node-title").click();
      const inspector = frame.locator(".inspector");
      await inspector.locator(".inspector-meta code", { hasText: id }).first().waitFor();
      await inspector.locator(".problem", { hasText: "limit" }).first().waitFor();
      await inspector.locator(`input[id="cfg-${id}_limit"]`).click();
      await page.keyboard.type("90");
      await canvas.untilShown(`no problem left on ${id} once its limit is set`, (s) => s.badges[id] === undefined);
      expect(await inspector.locator(".problem").count()).toBe(0);
      await vscode.screenshot("configured");

      // 5. Ctrl+S. The file differs from the original by exactly four lines: the node (with its
      //    config), the edge, and the layout entry at the drop point.
      await page.keyboard.press("Control+S");
      await until("the saved file", () => (onDisk() !== original ? true : undefined));
      await until("the tab to be clean after the save", async () => ((await activeTabDirty(page)) ? undefined : true));
      const saved = onDisk();
      const position = new RegExp(`^  ${id}: \\[(-?\\d+), (-?\\d+)\\]$`, "m").exec(saved);
      expect(position, saved).not.toBeNull();
      const at = [Number(position![1]), Number(position![2])];
      const expectedAt = [(drop.x - view.x) / view.zoom, (drop.y - view.y) / view.zoom];
      // The mouse lands on whole CSS pixels of the page; at this zoom one pixel is ~2 flow units.
      expect(Math.abs(at[0]! - expectedAt[0]!), `x ${at[0]} vs ${expectedAt[0]}`).toBeLessThanOrEqual(3);
      expect(Math.abs(at[1]! - expectedAt[1]!), `y ${at[1]} vs ${expectedAt[1]}`).toBeLessThanOrEqual(3);
      const expected = insertAfter(original, {
        "  alarms: { block: dengta.store.file@1, config: { file: alarms.jsonl } }": `  ${id}: { block: dengta.logic.threshold@1, config: { limit: 90 } }`,
        "  - limit.alarm -> alarms.in": `  - oven.out -> ${id}.in`,
        "  alarms: [640, 60]": `  ${id}: [${at[0]}, ${at[1]}]`,
      });
      expect(saved).toBe(expected);
      await vscode.screenshot("saved");

      // 6. threshold.alarm sends an object; limit.in takes a number: the canvas refuses and says why.
      await canvas.dragHandle(canvas.handle(id, "alarm", "source"), canvas.handle("limit", "in", "target"));
      const notice = frame.locator(".notice", { hasText: "Types do not match" });
      await notice.waitFor({ timeout: 5_000 });
      expect((await notice.locator("span").textContent())?.trim()).toBe(`Types do not match: ${id}.alarm (object) → limit.in (number).`);
      await vscode.screenshot("refused");
      expect((await canvas.shown()).edges).toEqual(connected.edges);
      expect(await activeTabDirty(page)).toBe(false);
      expect(onDisk()).toBe(saved);

      // 7. Undo with focus on the canvas: click its background, then Ctrl+Z until the canvas shows
      //    the original graph; each press must change what it shows (config, edge, node).
      await pane.click({ position: { x: 12, y: 12 } });
      await inspector.locator(".muted", { hasText: "Select a block to edit its settings." }).waitFor();
      let shown: Shown = await canvas.shown();
      const steps: Shown[] = [];
      while (!(same(shown.nodes, ORIGINAL_NODES) && same(shown.edges, ORIGINAL_EDGES) && Object.keys(shown.badges).length === 0)) {
        if (steps.length === 5) throw new Error(`five Ctrl+Z did not bring the original graph back: ${JSON.stringify(steps)}`);
        const before = JSON.stringify(shown);
        await page.keyboard.press("Control+Z");
        shown = await canvas.untilShown(`Ctrl+Z number ${steps.length + 1} to change the canvas`, (s) => JSON.stringify(s) !== before, 5_000);
        steps.push(shown);
      }
      // One undo stop per canvas edit, newest first.
      expect(steps).toEqual([
        { nodes: added.nodes, edges: connected.edges, badges: { [id]: "✖" } },
        { nodes: added.nodes, edges: ORIGINAL_EDGES, badges: { [id]: "✖ 2" } },
        { nodes: ORIGINAL_NODES, edges: ORIGINAL_EDGES, badges: {} },
      ]);
      expect(await activeTabDirty(page)).toBe(true);
      await vscode.screenshot("undone");
      await page.keyboard.press("Control+S");
      await untilFileIs(file, original, "the original bytes on disk after undo and save");
      await until("the tab to be clean after the last save", async () => ((await activeTabDirty(page)) ? undefined : true));
      expect(Buffer.compare(readFileSync(file), Buffer.from(original, "utf8"))).toBe(0);
    });
  }, 90_000);

  it("deletes a selection of blocks with the keyboard, and copies and pastes a block", async () => {
    const { folder, file } = workspace("keys");
    const original = readFileSync(file, "utf8");

    await session({ vsix, workspace: folder, name: "canvas-e2e-keys" }, async (vscode) => {
      const { page } = vscode;
      const canvas = await openCanvas(vscode);
      // Two blocks selected (click, then shift+click), Delete: both go, with their edges and layout.
      await canvas.node("readings").locator(".block-node-title").click();
      await page.keyboard.down("Shift");
      await canvas.node("alarms").locator(".block-node-title").click();
      await page.keyboard.up("Shift");
      await page.keyboard.press("Delete");
      await canvas.untilShown("readings and alarms deleted", (s) => same(s.nodes, ["limit", "oven", "tick"]) && same(s.edges, ["oven.out->limit.in", "tick.out->oven.in"]));
      await vscode.screenshot("deleted");
      // Copy the timer and paste it: a new block of the same kind and config, under a new id.
      await canvas.node("tick").locator(".block-node-title").click();
      await page.keyboard.press("Control+C");
      await page.keyboard.press("Control+V");
      const pasted = await canvas.untilShown("a pasted timer", (s) => s.nodes.length === 4);
      const id = pasted.nodes.find((n) => !["limit", "oven", "tick"].includes(n))!;
      await page.keyboard.press("Control+S");
      await until("the pasted timer on disk", () => {
        const text = readFileSync(file, "utf8");
        return text.includes(`  ${id}: { block: dengta.time.timer@1, config: { intervalMs: 200, count: 30 } }`) && !/^ {2}readings:/m.test(text) && !text.includes("alarms.in") ? text : undefined;
      });
      expect(original).toContain("  readings:");
    });
  }, 60_000);

  for (const [theme, kind] of [["Default Dark Modern", "vscode-dark"], ["Default High Contrast", "vscode-high-contrast"]] as const) {
    it(`follows VS Code's colours in ${theme}`, async () => {
      const { folder } = workspace(kind);
      await session({ vsix, workspace: folder, name: `canvas-e2e-${kind}`, settings: { "workbench.colorTheme": theme } }, async (vscode) => {
        const canvas = await openCanvas(vscode);
        const look = await canvas.frame.evaluate<{ body: string; node: string; text: string }>(`(() => {
          const node = getComputedStyle(document.querySelector(".block-node"));
          return { body: document.body.className, node: node.backgroundColor, text: node.color };
        })()`);
        expect(look.body).toContain(kind);
        // Light text on a dark block, as the theme has it.
        const brightness = (rgb: string) => (rgb.match(/\d+/g) ?? []).slice(0, 3).reduce((sum, c) => sum + Number(c), 0);
        expect(brightness(look.node)).toBeLessThan(200);
        expect(brightness(look.text)).toBeGreaterThan(500);
        await vscode.screenshot("canvas");
      });
    }, 60_000);
  }

  it("edits a JSONata expression in Monaco, which loads on first use under the webview's CSP", async () => {
    const { folder, file } = workspace("monaco");
    const original = readFileSync(file, "utf8");
    const expression = "$round(60 + 25 * (1 - $power(0.85, $ % 15)), 1)";
    expect(original).toContain(`config: { expression: "${expression}" }`);

    await session({ vsix, workspace: folder, name: "canvas-e2e-monaco" }, async (vscode) => {
      const { page } = vscode;
      const canvas = await openCanvas(vscode);
      await canvas.node("oven").locator(".block-node-title").click();
      const editor = canvas.frame.locator(".inspector .expression-editor .monaco-editor");
      await editor.waitFor();
      // Typing: the end of the expression, then a space and `+ 1`; the form sends it after its debounce.
      await editor.locator(".view-lines").click();
      await page.keyboard.press("Control+End");
      await page.keyboard.type(" + 1");
      await until("the canvas to hand the edit to the document", async () => ((await activeTabDirty(page)) ? true : undefined));
      await vscode.screenshot("expression");
      await page.keyboard.press("Control+S");
      await untilFileIs(file, original.replace(`expression: "${expression}"`, `expression: "${expression} + 1"`), "the edited expression on disk");
    });
  }, 60_000);

  it("shows the canvas in Chinese when VS Code runs in Chinese", async () => {
    const { folder } = workspace("zh");
    // VS Code in Chinese: the locale in argv.json, and a (stand-in) Chinese language pack, without
    // which VS Code stays English whatever the locale says (see e2e/language-pack.ts).
    const dir = join(work, "zh-session");
    prepareLocale(dir);
    const languagePack = await chineseLanguagePack(work);

    await session({ vsix: [vsix, languagePack], workspace: folder, dir, name: "canvas-e2e-zh-CN" }, async (vscode) => {
      const canvas = await openCanvas(vscode);
      const { frame } = canvas;
      await frame.locator(".palette .panel-title", { hasText: "功能块" }).waitFor();
      expect(await frame.locator(".inspector .panel-title").textContent()).toBe("属性");
      expect(await frame.locator(".react-flow__panel button.toolbar-button").textContent()).toBe("自动布局");
      expect(await canvas.node("tick").locator(".block-node-title").textContent()).toBe("定时器");
      // An English query in the Chinese UI.
      await frame.locator(".palette-search").fill("threshold");
      const item = frame.locator(".palette-item", { hasText: "dengta.logic.threshold" });
      await item.waitFor();
      expect(await item.locator(".palette-item-title").textContent()).toBe("阈值判断");
      expect(await frame.locator(".palette-category").allTextContents()).toContain("逻辑");
      // A refusal in Chinese: a block cannot feed itself.
      await canvas.dragHandle(canvas.handle("limit", "alarm", "source"), canvas.handle("limit", "in", "target"));
      await frame.locator(".notice", { hasText: "功能块不能连接到自身。" }).waitFor({ timeout: 5_000 });
      await canvas.node("limit").locator(".block-node-title").click();
      await frame.locator(".inspector .panel-title", { hasText: "阈值判断" }).waitFor();
      await vscode.screenshot("canvas");
      // The walkthrough is Chinese first: its title and steps in the Chinese UI.
      await runCommand(vscode.page, "Welcome: Open Walkthrough...");
      await answer(vscode.page, "十分钟", "十分钟完成第一个工业APP");
      for (const step of ["openSample", "run", "watch", "threshold", "build"]) await walkthroughStep(vscode.page, step).waitFor();
      expect(await walkthroughStep(vscode.page, "openSample").locator(".step-title").textContent()).toBe("打开示例");
      expect(await walkthroughStep(vscode.page, "threshold").locator(".step-title").textContent()).toBe("修改阈值");
      await vscode.screenshot("walkthrough");
    });
  }, 90_000);
});

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** `text` with each new line inserted right after the line that is its key (which must occur once). */
function insertAfter(text: string, inserts: Record<string, string>): string {
  const lines = text.split("\n");
  for (const [anchor, line] of Object.entries(inserts)) {
    const at = lines.indexOf(anchor);
    if (at === -1 || lines.indexOf(anchor, at + 1) !== -1) throw new Error(`the line "${anchor}" is not in the original exactly once`);
    lines.splice(at + 1, 0, line);
  }
  return lines.join("\n");
}
