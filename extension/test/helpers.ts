// What the in-host tests share: a fresh copy of a sample to edit, the extension's API, waiting.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
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

export interface SimulatorProcess {
  url: string;
  stop(): Promise<void>;
}

/** The built-in simulator as the extension runs it: its CLI, on the host's own Node, as a child process. */
export async function startSimulator(): Promise<SimulatorProcess> {
  const { spawn } = await import("node:child_process");
  const { createInterface } = await import("node:readline");
  const extension = vscode.extensions.getExtension<DengtaApi>("dengta.dengta")!;
  const pki = mkdtempSync(join(tmpdir(), "dengta-sim-pki-"));
  const child = spawn(process.execPath, [join(extension.extensionPath, "dist", "dengta-cli.mjs"), "sim", "--port", "0", "--json", "--pki", pki], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" }, stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; endpointUrl?: string };
        if (event.event === "started" && event.endpointUrl) resolve(event.endpointUrl);
      } catch { /* a plain line */ }
    });
    child.once("exit", (code) => reject(new Error(`the simulator ended (exit ${code}) before it started: ${stderr}`)));
  });
  return {
    url,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}
