// Dengta in VS Code: the flow canvas for *.iapp.yaml, core's problems as diagnostics, and the
// commands to start, check and build an APP. Loaded only for its files, views and commands.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import { AppReadings } from "./app-readings.ts";
import { CANVAS_VIEW_TYPE, CanvasEditorProvider } from "./canvas-editor.ts";
import { coreServices } from "./lazy-core.ts";
import { registerCommands } from "./commands.ts";
import { AppDiagnostics } from "./diagnostics.ts";
import { registerDevices } from "./devices/devices-commands.ts";
import type { DevicesView } from "./devices/devices-view.ts";
import { RunController } from "./run/run-controller.ts";

/** What the extension gives other extensions and its in-host tests. */
export interface DengtaApi {
  canvas: CanvasEditorProvider;
  devices: DevicesView;
  run: RunController;
}

export function activate(context: vscode.ExtensionContext): DengtaApi {
  const home = context.extensionUri.fsPath;
  const readings = new AppReadings();
  const diagnostics = new AppDiagnostics(readings);
  const provider = new CanvasEditorProvider(vscode.Uri.joinPath(context.extensionUri, "media"), coreServices, readings);
  context.subscriptions.push(
    diagnostics,
    vscode.window.registerCustomEditorProvider(CANVAS_VIEW_TYPE, provider, { webviewOptions: { retainContextWhenHidden: false } }),
  );
  const devices = registerDevices(context, provider);
  const run = new RunController(context, provider, devices);
  context.subscriptions.push(run);
  registerCommands(context, diagnostics, join(home, "samples"), run);
  runInHostTestsIfAsked(home);
  return { canvas: provider, devices, run };
}

/**
 * With DENGTA_TEST_RESULTS set (by the test launchers) and the test build installed, runs the
 * in-host suite and writes its results there. The published extension carries no tests.
 */
function runInHostTestsIfAsked(home: string): void {
  const results = process.env.DENGTA_TEST_RESULTS;
  const suite = join(home, "dist", "in-host-tests.js");
  if (!results || !existsSync(suite)) return;
  // Failures are in the results file; the rejection is for @vscode/test-electron's launcher.
  (require(suite) as { run(resultsFile: string): Promise<unknown> }).run(results).catch(() => {});
}

export function deactivate(): void {}
