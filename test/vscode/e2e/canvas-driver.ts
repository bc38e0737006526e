// Drives the Dengta canvas in a real VS Code (code-server + chromium) the way a user does: keyboard
// and mouse on the workbench page, whose webview is a pair of nested iframes. Everything waits on
// DOM conditions or file contents (polling), never on fixed sleeps.
import { readFileSync } from "node:fs";
import type { Frame, Locator, Page } from "playwright-core";

const POLL_MS = 50;

/** Polls `probe` until it returns something other than undefined; a timeout names `what` and the last error thrown, if any. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error; // a frame that navigated or detached while we looked: look again
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? "" : ` (last error: ${String(last)})`}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Waits until the file on disk holds exactly `expected`; on timeout the error shows both texts. */
export async function untilFileIs(file: string, expected: string, what: string, timeoutMs = 10_000): Promise<void> {
  let seen = "";
  try {
    await until(what, () => ((seen = readFileSync(file, "utf8")) === expected ? true : undefined), timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- expected\n${expected}\n--- on disk\n${seen}`);
  }
}

/** Opens a file with Quick Open (Ctrl+P, its name, Enter), as a user would. */
export async function quickOpen(page: Page, fileName: string): Promise<void> {
  const input = page.locator(".quick-input-widget input.input");
  await until("the Quick Open box", async () => {
    if (await input.isVisible()) return true;
    await page.keyboard.press("Control+P");
    await input.waitFor({ state: "visible", timeout: 2_000 }).catch(() => undefined);
    return (await input.isVisible()) ? true : undefined;
  });
  await input.fill(fileName);
  // Pick the entry once the file search has found it, not whatever the list shows first.
  await page.locator(".quick-input-list .monaco-list-row", { hasText: fileName }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
}

/** The webview frame that shows the canvas (the inner iframe of the custom editor's webview). */
export async function canvasFrame(page: Page, timeoutMs = 30_000): Promise<Frame> {
  return until("the canvas webview frame with rendered nodes", async () => {
    for (const frame of page.frames()) {
      if ((await frame.locator(".react-flow__node").count().catch(() => 0)) > 0) return frame;
    }
    return undefined;
  }, timeoutMs);
}

export interface Shown {
  nodes: string[];
  edges: string[];
  /** Node id → its badge text (e.g. "✖ 2"), for nodes with problems. */
  badges: Record<string, string>;
}

export class Canvas {
  constructor(readonly page: Page, readonly frame: Frame) {}

  node(id: string): Locator {
    return this.frame.locator(`.react-flow__node[data-id="${id}"]`);
  }

  handle(node: string, port: string, side: "source" | "target"): Locator {
    return this.node(node).locator(`.react-flow__handle.${side}[data-handleid="${port}"]`);
  }

  /** What the canvas shows of the document, read in one go: node ids, edge ids, and each node's problem badge. */
  async shown(): Promise<Shown> {
    // A string, evaluated in the webview: this project's TypeScript has no DOM library.
    return this.frame.evaluate<Shown>(`(() => {
      const nodes = [...document.querySelectorAll(".react-flow__node")].map((n) => n.getAttribute("data-id")).sort();
      const edges = [...document.querySelectorAll(".react-flow__edge")].map((e) => e.getAttribute("data-id")).sort();
      const badges = {};
      for (const n of document.querySelectorAll(".react-flow__node")) {
        const badge = n.querySelector(".block-node-badge");
        if (badge) badges[n.getAttribute("data-id")] = badge.textContent.trim();
      }
      return { nodes, edges, badges };
    })()`);
  }

  /** Polls the canvas until what it shows passes `accept`. */
  async untilShown(what: string, accept: (shown: Shown) => boolean, timeoutMs = 10_000): Promise<Shown> {
    let last: Shown | undefined;
    try {
      return await until(what, async () => {
        last = await this.shown();
        return accept(last) ? last : undefined;
      }, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the canvas shows ${JSON.stringify(last)}`);
    }
  }

  /** The viewport's pan and zoom, from React Flow's transform (`translate(xpx, ypx) scale(z)`). */
  async viewport(): Promise<{ x: number; y: number; zoom: number }> {
    const style = (await this.frame.locator(".react-flow__viewport").getAttribute("style")) ?? "";
    const match = /translate\(\s*(-?[\d.]+)px,\s*(-?[\d.]+)px\)\s*scale\(\s*([\d.]+)\s*\)/.exec(style);
    if (match === null) throw new Error(`no viewport transform in style "${style}"`);
    return { x: Number(match[1]), y: Number(match[2]), zoom: Number(match[3]) };
  }

  /** Presses on one handle, moves to another in steps, releases: a connection drag. */
  async dragHandle(from: Locator, to: Locator): Promise<void> {
    const a = await centre(from);
    const b = await centre(to);
    await this.page.mouse.move(a.x, a.y);
    await this.page.mouse.down();
    await this.page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 30, { steps: 8 });
    await this.page.mouse.move(b.x, b.y, { steps: 8 });
    await this.page.mouse.up();
  }
}

export async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await until("a bounding box", () => locator.boundingBox().then((b) => b ?? undefined));
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Whether the workbench's active editor tab shows unsaved changes. */
export async function activeTabDirty(page: Page): Promise<boolean> {
  const classes = (await page.locator(".tabs-container .tab.active").first().getAttribute("class")) ?? "";
  return classes.split(/\s+/).includes("dirty");
}
