// The extension in a real VS Code (code-server): its in-host suite (extension/test/*.in-host.ts)
// runs against the real vscode API — custom editor, WorkspaceEdit, undo, save, diagnostics, commands.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "../support/cli.ts";
import { codeServer, packageVsix, runInHostSuite } from "../support/code-server.ts";

describe("the Dengta extension in VS Code", () => {
  let work: string;
  let vsix: string;

  beforeAll(async () => {
    await codeServer();
    work = mkdtempSync(join(tmpdir(), "dengta-extension-"));
    execFileSync(process.execPath, [join(root, "scripts", "build-extension.mjs"), "--with-tests", "--quiet"], { cwd: root });
    vsix = await packageVsix(join(root, "dist", "extension"), join(work, "dengta-test.vsix"));
  }, 600_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it("passes its in-host suite", async () => {
    // An APP in the workspace is what activates the extension (workspaceContains).
    const workspace = join(work, "workspace");
    mkdirSync(workspace);
    cpSync(join(root, "samples", "oven-watch"), join(workspace, "oven-watch"), { recursive: true });
    const { results, vscode } = await runInHostSuite({ vsix, workspace, name: "extension-in-host", timeoutMs: 420_000 });
    try {
      expect(results.failures, vscode.output()).toEqual([]);
      expect(results.passes.length).toBeGreaterThanOrEqual(11);
      console.log(results.passes.map((p) => `${p.title} (${Math.round(p.duration ?? 0)} ms)`).join("\n"));
    } finally {
      await vscode.stop();
    }
  }, 480_000);
});
