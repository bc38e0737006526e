// The workbench around the canvas, driven with keyboard and mouse: the command palette, quick
// inputs, dialogs, tree views and the walkthrough. Waits on DOM conditions, never fixed sleeps.
import type { Locator, Page } from "playwright-core";
import { until } from "./canvas-driver.ts";

/**
 * F1, the command's title, Enter. Opening and typing are tried again together: a view that takes
 * the focus just then (a bundle revealed in the Explorer) closes the palette under the keyboard.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator(".quick-input-widget input.input");
  await until(`the command palette with "${title}" typed`, async () => {
    if (!(await input.isVisible())) {
      await page.keyboard.press("F1");
      await input.waitFor({ state: "visible", timeout: 2_000 }).catch(() => undefined);
    }
    return (await input.fill(`>${title}`, { timeout: 2_000 }).then(() => true, () => false)) ? true : undefined;
  });
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
}

/** Whether the command palette lists a command with this title. */
export async function paletteHas(page: Page, title: string, present: string): Promise<boolean> {
  const input = page.locator(".quick-input-widget input.input");
  await page.keyboard.press("F1");
  await input.waitFor({ state: "visible" });
  // A command that is listed shows up first: wait for it, so an absent one is not just late.
  await input.fill(`>${present}`);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: present }).first().waitFor({ timeout: 15_000 });
  await input.fill(`>${title}`);
  const found = await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 3_000 }).then(() => true, () => false);
  await page.keyboard.press("Escape");
  return found;
}

/** Types into the open quick input (input box or pick) and presses Enter. */
export async function answer(page: Page, text: string, pick?: string): Promise<void> {
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ state: "visible" });
  await input.fill(text);
  if (pick !== undefined) await page.locator(".quick-input-list .monaco-list-row", { hasText: pick }).first().waitFor();
  await page.keyboard.press("Enter");
}

/** A row of a tree view in the side bar, by its label. */
export function treeRow(page: Page, label: string): Locator {
  return page.locator(".part.sidebar .monaco-list-row", { has: page.locator(".label-name", { hasText: new RegExp(`^${escape(label)}$`) }) }).first();
}

/** Clicks a collapsed tree row to expand it and waits for a child to show. */
export async function expand(page: Page, label: string, child: string): Promise<void> {
  const row = treeRow(page, label);
  await row.waitFor({ timeout: 20_000 });
  if ((await row.getAttribute("aria-expanded")) !== "true") await row.click();
  await treeRow(page, child).waitFor({ timeout: 20_000 });
}

/** The walkthrough step whose id ends with `#<step>`. */
export function walkthroughStep(page: Page, step: string): Locator {
  return page.locator(`.getting-started-step[data-step-id$="#${step}"]`).first();
}

/** Whether the walkthrough shows the step as done (its checked icon, or the checkbox state). */
export async function stepDone(page: Page, step: string): Promise<boolean> {
  const html = await walkthroughStep(page, step).evaluate((e: { outerHTML: string }) => e.outerHTML).catch(() => "");
  return /getting-started-step-checked|codicon-pass-filled|aria-checked="true"/.test(html);
}

/** Clicks the editor tab whose label contains `label`. */
export async function showTab(page: Page, label: string): Promise<void> {
  await page.locator(".tabs-container .tab", { hasText: label }).first().click();
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
