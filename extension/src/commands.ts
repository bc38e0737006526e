// The palette commands: a new APP from a sample, validate, and build an edge bundle.
import { cpSync, existsSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import * as vscode from "vscode";
import { CANVAS_VIEW_TYPE } from "./canvas-editor.ts";
import { coreServices } from "./lazy-core.ts";
import { isAppDocument, type AppDiagnostics } from "./diagnostics.ts";
import { inUiLanguage } from "./locale.ts";
import { errorMessage, nativePackages } from "./native-packages.ts";
import { provideNodeForEsbuild } from "./node-for-esbuild.ts";
import type { RunController } from "./run/run-controller.ts";
import { refuseWhenUntrusted } from "./trust.ts";

/** The APP the walkthrough opens: small, on the simulator, with a threshold to change. */
const WALKTHROUGH_SAMPLE = "temperature-watch";

export function registerCommands(context: vscode.ExtensionContext, diagnostics: AppDiagnostics, samplesDir: string, run: RunController): void {
  const add = (id: string, run: (uri?: vscode.Uri) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));
  const launchers = join(context.globalStorageUri.fsPath, "bin");
  add("dengta.newApp", () => newApp(samplesDir));
  add("dengta.walkthrough.openSample", () => newApp(samplesDir, WALKTHROUGH_SAMPLE));
  add("dengta.run", (uri) => run.start(uri));
  add("dengta.stop", () => run.stop());
  add("dengta.showOutput", () => run.showOutput());
  add("dengta.validate", (uri) => validate(diagnostics, uri));
  add("dengta.build", (uri) => {
    provideNodeForEsbuild(launchers);
    return build(uri, context.extensionUri.fsPath);
  });
  add("dengta.openCanvas", (uri) => openWith(uri, CANVAS_VIEW_TYPE));
  add("dengta.openText", (uri) => openWith(uri, "default"));
}

/** The APP a command is about: the one clicked, else the active text editor's or canvas's. */
export function targetApp(uri: vscode.Uri | undefined): vscode.Uri | undefined {
  if (uri?.path.endsWith(".iapp.yaml")) return uri;
  const active = vscode.window.activeTextEditor?.document;
  if (active && isAppDocument(active)) return active.uri;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tab instanceof vscode.TabInputCustom && tab.uri.path.endsWith(".iapp.yaml")) return tab.uri;
  // From a view or the walkthrough: the APP open in some tab, when there is exactly one.
  const open = new Set(vscode.window.tabGroups.all.flatMap((group) => group.tabs).flatMap((t) => {
    const input = t.input;
    return (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) && input.uri.path.endsWith(".iapp.yaml") ? [input.uri.toString()] : [];
  }));
  if (open.size === 1) return vscode.Uri.parse([...open][0]!);
  void vscode.window.showWarningMessage(vscode.l10n.t("Open an APP (*.iapp.yaml) first."));
  return undefined;
}

async function openWith(uri: vscode.Uri | undefined, viewType: string): Promise<void> {
  const app = targetApp(uri);
  if (app) await vscode.commands.executeCommand("vscode.openWith", app, viewType);
}

async function validate(diagnostics: AppDiagnostics, uri: vscode.Uri | undefined): Promise<void> {
  const app = targetApp(uri);
  if (!app) return;
  const problems = await diagnostics.check(await vscode.workspace.openTextDocument(app));
  if (problems.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t("{0}: no problems.", basename(app.fsPath)));
  } else {
    void vscode.window.showWarningMessage(vscode.l10n.t("{0}: {1} problem(s); see the Problems panel.", basename(app.fsPath), problems.length));
    await vscode.commands.executeCommand("workbench.actions.view.problems");
  }
}

/** Copies a sample (the one named, else the one picked) into the workspace and opens its canvas. */
async function newApp(samplesDir: string, sample?: string): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return void vscode.window.showWarningMessage(vscode.l10n.t("Open a folder first: the new APP is created in it."));
  const samples = readdirSync(samplesDir).filter((name) => existsSync(join(samplesDir, name, `${name}.iapp.yaml`))).sort();
  const name = sample ?? (await vscode.window.showQuickPick(samples.map((label) => ({ label })), { placeHolder: vscode.l10n.t("Start from which sample?") }))?.label;
  if (!name) return undefined;
  let target = join(folder.uri.fsPath, name);
  for (let n = 2; existsSync(target); n++) target = join(folder.uri.fsPath, `${name}-${n}`);
  cpSync(join(samplesDir, name), target, { recursive: true });
  const app = vscode.Uri.file(join(target, `${name}.iapp.yaml`));
  await vscode.commands.executeCommand("vscode.openWith", app, CANVAS_VIEW_TYPE);
  return app;
}

async function build(uri: vscode.Uri | undefined, extensionPath: string): Promise<void> {
  if (refuseWhenUntrusted(vscode.l10n.t("Building a bundle"))) return;
  const app = targetApp(uri);
  if (!app) return;
  const document = await vscode.workspace.openTextDocument(app);
  if (document.isDirty) await document.save();
  const binding = await pickBinding(dirname(app.fsPath));
  if (binding === null) return;
  const { buildBundle, hasErrors } = await coreServices();
  const root = vscode.workspace.getWorkspaceFolder(app)?.uri.fsPath ?? dirname(app.fsPath);
  const outDir = join(root, "dist", basename(app.fsPath, ".iapp.yaml"));
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t("Building the edge bundle of {0}…", basename(app.fsPath)) },
    (progress) => buildBundle({ app: { file: app.fsPath, text: document.getText() }, ...(binding ? { binding: { file: binding } } : {}), outDir, target: "linux-x64", packages: nativePackages(extensionPath, progress) }).catch(errorMessage),
  );
  if (typeof result === "string" || !result.bundle || hasErrors(result.diagnostics)) {
    const first = typeof result === "string" ? result : result.diagnostics[0] && inUiLanguage(result.diagnostics[0].message);
    void vscode.window.showErrorMessage(vscode.l10n.t("The bundle was not built: {0}", first ?? ""));
    return;
  }
  await vscode.commands.executeCommand("revealInExplorer", vscode.Uri.file(result.bundle.dir));
  void vscode.window.showInformationMessage(vscode.l10n.t("Built {0} (unsigned; sign with dengta build --key).", result.bundle.dir));
}

/** The binding beside the APP: the only one, or the one the user picks; null when cancelled. */
export async function pickBinding(folder: string): Promise<string | undefined | null> {
  const found = readdirSync(folder).filter((f) => f.endsWith(".binding.yaml")).sort();
  if (found.length <= 1) return found[0] ? join(folder, found[0]) : undefined;
  const picked = await vscode.window.showQuickPick(found, { placeHolder: vscode.l10n.t("Which site binding?") });
  return picked ? join(folder, picked) : null;
}
