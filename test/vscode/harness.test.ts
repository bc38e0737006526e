// Proves the real-VS-Code harness (test/support/code-server.ts): a throwaway extension, packaged with
// vsce at test time, runs checks inside code-server's extension host against the real vscode API and
// reports a pass and a deliberate failure; the window can be screenshotted; stop() leaves no process.
// The first run on a machine installs code-server into the cache (~90 s, see scripts/code-server.mjs).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeServer, packageVsix, runInHostSuite, sessionProcesses } from "../support/code-server.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/probe-extension/", import.meta.url));
const PASSING = ["opens, edits and saves a document through the real vscode API", "shows a webview"];
const FAILING = "fails on purpose, to prove failures are reported";

describe("real VS Code harness (code-server + chromium)", () => {
  let work: string;
  let vsix: string;

  beforeAll(async () => {
    await codeServer(); // once per machine: installs into the cache, up to a few minutes
    work = mkdtempSync(join(tmpdir(), "dengta-vscode-probe-"));
    const extension = join(work, "probe-extension");
    mkdirSync(join(extension, "out"), { recursive: true });
    for (const file of ["package.json", "README.md", "LICENSE"]) copyFileSync(join(FIXTURE, file), join(extension, file));
    copyFileSync(join(FIXTURE, "extension.js"), join(extension, "out", "extension.js"));
    vsix = await packageVsix(extension, join(work, "probe.vsix"));
  }, 600_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it("runs checks in the extension host, reports a pass and a failure with its message, and stops cleanly", async () => {
    const workspace = join(work, "workspace");
    mkdirSync(workspace);
    const { results, vscode } = await runInHostSuite({ vsix, workspace, name: "harness" });
    let screenshot: string;
    try {
      expect(results.passes.map((t) => t.title), vscode.output()).toEqual(PASSING);
      expect(results.failures.map((t) => t.title)).toEqual([FAILING]);
      const failure = results.failures[0]!;
      expect(failure.message).toContain("Expected values to be strictly equal");
      expect(failure.actual).toBe("what the extension host saw");
      expect(failure.expected).toBe("what the test expected");
      expect(failure.diff).toContain("+ what the test expected");
      expect(results.stats?.vscodeVersion).toBe("1.139.1");

      // The saved document is open in the editor; CJK text needs fonts-noto-cjk to render.
      await vscode.page.getByText("灯塔 says hello").first().waitFor({ timeout: 10_000 });
      // Webviews are nested iframes: look for the probe's heading in every frame.
      await expect.poll(async () => {
        for (const frame of vscode.page.frames()) {
          const heading = frame.locator("#probe-webview");
          if ((await heading.count().catch(() => 0)) > 0) return heading.textContent();
        }
        return null;
      }, { timeout: 10_000 }).toBe("灯塔 webview");
      screenshot = await vscode.screenshot("in-host-suite");
    } finally {
      await vscode.stop();
    }
    expect(existsSync(screenshot)).toBe(true);
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    expect(sessionProcesses(vscode.dir)).toEqual([]);
    expect(existsSync(vscode.dir)).toBe(false);
  });
});
