// What the in-host tests share: a fresh copy of a sample to edit, the extension's API, waiting.
import { cpSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import type { CanvasSession } from "../src/canvas-editor.ts";
import type { DengtaApi } from "../src/extension.ts";

/** A copy of samples/<name> in the workspace, so every test edits a file of its own. */
export function sampleCopy(name: string): vscode.Uri {
  const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  const extension = vscode.extensions.getExtension<DengtaApi>("dengta.dengta")!;
  const target = mkdtempSync(join(workspace, `${name}-`));
  cpSync(join(extension.extensionPath, "samples", name), target, { recursive: true });
  return vscode.Uri.file(join(target, `${name}.iapp.yaml`));
}

export async function api(): Promise<DengtaApi> {
  const extension = vscode.extensions.getExtension<DengtaApi>("dengta.dengta")!;
  return extension.isActive ? extension.exports : extension.activate();
}

/** Polls `check` until it gives a value, or fails after `ms` with `what`. */
export async function until<T>(what: string, check: () => T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Opens `uri` in the flow canvas and gives its session once the canvas is up. */
export async function openCanvas(uri: vscode.Uri): Promise<CanvasSession> {
  await vscode.commands.executeCommand("vscode.openWith", uri, "dengta.canvas");
  const { canvas } = await api();
  return until(`the canvas of ${uri.fsPath}`, () => canvas.sessions.get(uri.toString()));
}

/** Closes every editor; edits are saved first (each test works on its own copy), so no dialog asks. */
export async function closeAll(): Promise<void> {
  await vscode.workspace.saveAll(false);
  await vscode.commands.executeCommand("workbench.action.closeAllEditors");
}
