// "Run with simulator" in VS Code: the simulator and the APP's bundle as child processes on a Node
// the extension finds, their log in an output channel, their health in the status bar, and the
// APP's figures live on its canvas. Saving the APP while it runs rebuilds it and restarts only the
// APP, so the line keeps running.
import { basename, dirname, join } from "node:path";
import * as vscode from "vscode";
import { rates, shorten, type StatusRecord } from "../../../cli/run-status.ts";
import type { LiveNodeStats } from "../../../webview/protocol.ts";
import type { CanvasEditorProvider } from "../canvas-editor.ts";
import { pickBinding, targetApp } from "../commands.ts";
import { coreServices } from "../lazy-core.ts";
import { inUiLanguage, uiLocale } from "../locale.ts";
import { errorMessage, nativePackages } from "../native-packages.ts";
import { provideNodeForEsbuild } from "../node-for-esbuild.ts";
import { refuseWhenUntrusted } from "../trust.ts";
import { findNode } from "./node-finder.ts";
import type { RunSession } from "./run-session.ts";

const LAST_VALUE_CHARS = 24;
/** Rates are messages per second over this much of the recent past: steadier than one report's. */
const RATE_WINDOW_MS = 5000;

/** What a run takes from the Devices view: the servers the user trusted, and the passwords kept. */
export interface DevicesForRun {
  /** Puts the trusted server certificates into the run's PKI; the APP's environment with the passwords. */
  forRun(dataDir: string): Promise<Record<string, string>>;
}

interface ActiveRun {
  app: vscode.Uri;
  binding: string;
  bundleDir: string;
  session: RunSession;
  /** Each node's out count at recent reports, oldest first, within RATE_WINDOW_MS. */
  history: Array<{ at: number; out: Record<string, number> }>;
  /** Set by a save: the next status from the restarted APP completes the walkthrough's step. */
  restarting: boolean;
}

export class RunController implements vscode.Disposable {
  /** How many times a saved change restarted the APP and it reported again (for tests and the walkthrough). */
  restarts = 0;
  private active: ActiveRun | undefined;
  private readonly output = vscode.window.createOutputChannel("Dengta", { log: true });
  private readonly status = vscode.window.createStatusBarItem("dengta.run", vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext, private readonly canvas: CanvasEditorProvider, private readonly devices: DevicesForRun) {
    this.status.name = vscode.l10n.t("Dengta run");
    this.status.command = "dengta.showOutput";
    this.subscriptions.push(
      this.output, this.status,
      vscode.workspace.onDidSaveTextDocument((document) => void this.rebuildOnSave(document)),
    );
  }

  get running(): boolean {
    return this.active !== undefined;
  }

  showOutput(): void {
    this.output.show(true);
  }

  async start(uri: vscode.Uri | undefined): Promise<void> {
    if (refuseWhenUntrusted(vscode.l10n.t("Running an APP"))) return;
    if (this.active) return void vscode.window.showInformationMessage(vscode.l10n.t("{0} is already running; stop it first.", basename(this.active.app.fsPath)));
    const app = targetApp(uri);
    if (!app) return;
    const node = this.findNode();
    if (!node) return;
    const binding = await pickBinding(dirname(app.fsPath));
    if (binding === null) return;
    if (binding === undefined) return void vscode.window.showErrorMessage(vscode.l10n.t("{0} has no binding beside it: a *.binding.yaml says which simulator or device variables it reads.", basename(app.fsPath)));
    const bundleDir = await this.build(app, binding);
    if (!bundleDir) return;
    this.output.info(vscode.l10n.t("Starting the simulator and {0} on Node {1} ({2})", basename(app.fsPath), node.version, node.command));
    const session = await this.startSession(node, bundleDir, dirname(bundleDir), await this.devices.forRun(join(dirname(bundleDir), "data")));
    if (!session) return;
    this.active = { app, binding, bundleDir, session, history: [], restarting: false };
    this.listen(this.active);
    await vscode.commands.executeCommand("setContext", "dengta.running", true);
    this.showStatus(vscode.l10n.t("starting"));
    this.output.info(vscode.l10n.t("Simulator at {0}", session.simulatorUrl));
  }

  async stop(): Promise<void> {
    const run = this.active;
    if (!run) return;
    this.active = undefined;
    await run.session.stop();
    this.canvas.showLive(run.app, undefined);
    this.status.hide();
    await vscode.commands.executeCommand("setContext", "dengta.running", false);
    this.output.info(vscode.l10n.t("Stopped {0}", basename(run.app.fsPath)));
  }

  dispose(): void {
    void this.stop();
    for (const s of this.subscriptions) s.dispose();
  }

  private findNode(): { command: string; env: Record<string, string>; version: string } | undefined {
    const setting = vscode.workspace.getConfiguration("dengta").get<string>("nodePath")?.trim();
    const found = findNode({ ...(setting ? { setting } : {}), execPath: process.execPath, nodeVersion: process.versions.node, isElectron: process.versions.electron !== undefined });
    if (found.ok) return found;
    const openSettings = vscode.l10n.t("Open settings");
    void vscode.window.showErrorMessage(inUiLanguage(found.message), openSettings).then((choice) => {
      if (choice === openSettings) void vscode.commands.executeCommand("workbench.action.openSettings", "dengta.nodePath");
    });
    return undefined;
  }

  /** Builds the APP's bundle into out/run/<id>/bundle of its workspace folder; undefined on problems. */
  private async build(app: vscode.Uri, binding: string): Promise<string | undefined> {
    const document = await vscode.workspace.openTextDocument(app);
    if (document.isDirty) await document.save();
    provideNodeForEsbuild(join(this.context.globalStorageUri.fsPath, "bin"));
    const { buildBundle, hasErrors } = await coreServices();
    const root = vscode.workspace.getWorkspaceFolder(app)?.uri.fsPath ?? dirname(app.fsPath);
    const outDir = join(root, "out", "run", basename(app.fsPath, ".iapp.yaml"), "bundle");
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t("Building {0}…", basename(app.fsPath)) },
      (progress) => buildBundle({ app: { file: app.fsPath, text: document.getText() }, binding: { file: binding }, outDir, target: "linux-x64", packages: nativePackages(this.context.extensionUri.fsPath, progress) }).catch(errorMessage),
    );
    if (typeof result !== "string" && result.bundle && !hasErrors(result.diagnostics)) return result.bundle.dir;
    const first = typeof result === "string" ? result : result.diagnostics[0] && inUiLanguage(result.diagnostics[0].message);
    void vscode.window.showErrorMessage(vscode.l10n.t("The APP was not run: {0}", first ?? ""));
    return undefined;
  }

  private async startSession(node: { command: string; env: Record<string, string> }, bundleDir: string, work: string, appEnv: Record<string, string>): Promise<RunSession | undefined> {
    try {
      // Loaded when first run: its child processes, HTTP polling and line readers cost activation time.
      const { RunSession } = await import("./run-session.ts");
      return await RunSession.start({
        node, bundleDir, appEnv,
        cliScript: join(this.context.extensionUri.fsPath, "dist", "dengta-cli.mjs"),
        dataDir: join(work, "data"),
        pkiDir: join(this.context.globalStorageUri.fsPath, "simulator-pki"),
        speed: vscode.workspace.getConfiguration("dengta").get<number>("run.speed") ?? 1,
        seed: 1,
        locale: uiLocale(),
      });
    } catch (error) {
      const message = (error as { text?: { en: string; "zh-CN": string } }).text;
      void vscode.window.showErrorMessage(message ? inUiLanguage(message) : String((error as Error).message));
      return undefined;
    }
  }

  private listen(run: ActiveRun): void {
    run.session.on("status", (record) => this.onStatus(run, record));
    run.session.on("log", (line) => this.output.appendLine(`[${line.source}] ${line.text}`));
    run.session.on("health", (health) => this.showStatus(health.ok ? vscode.l10n.t("healthy") : vscode.l10n.t("not healthy")));
    run.session.on("exit", (exit) => {
      if (this.active !== run) return;
      this.output.error(inUiLanguage(exit.message));
      if (exit.stderrTail) this.output.appendLine(exit.stderrTail);
      void vscode.window.showErrorMessage(inUiLanguage(exit.message), vscode.l10n.t("Show log")).then((choice) => { if (choice) this.showOutput(); });
      void this.stop();
    });
  }

  private onStatus(run: ActiveRun, record: StatusRecord): void {
    if (this.active !== run) return;
    const now = Date.now();
    run.history = run.history.filter((h) => now - h.at <= RATE_WINDOW_MS);
    const perSecond = rates(record, run.history[0], now);
    run.history.push({ at: now, out: Object.fromEntries(Object.entries(record.stats).map(([id, s]) => [id, s.out])) });
    const nodes: Record<string, LiveNodeStats> = {};
    for (const [id, s] of Object.entries(record.stats)) {
      nodes[id] = { in: s.in, out: s.out, rate: perSecond[id] ?? 0, errors: s.errors + s.dropped, ...(s.last === undefined ? {} : { last: shorten(s.last, LAST_VALUE_CHARS) }) };
    }
    this.canvas.showLive(run.app, nodes);
    if (Object.values(record.stats).some((s) => s.out > 0)) void vscode.commands.executeCommand("setContext", "dengta.liveSeen", true);
    if (run.restarting) {
      run.restarting = false;
      this.restarts++;
      void vscode.commands.executeCommand("setContext", "dengta.restartedAfterEdit", true);
    }
  }

  /** A save of the running APP: rebuild, then restart the APP on the same simulator. */
  private async rebuildOnSave(document: vscode.TextDocument): Promise<void> {
    const run = this.active;
    if (!run || document.uri.toString() !== run.app.toString()) return;
    const bundleDir = await this.build(run.app, run.binding);
    if (!bundleDir || this.active !== run) return;
    this.output.info(vscode.l10n.t("{0} changed: restarting the APP on the running simulator", basename(run.app.fsPath)));
    run.history = [];
    await run.session.restartApp(bundleDir);
    run.restarting = true;
  }

  private showStatus(state: string): void {
    const run = this.active;
    if (!run) return;
    this.status.text = `$(pulse) ${basename(run.app.fsPath, ".iapp.yaml")}: ${state}`;
    this.status.tooltip = vscode.l10n.t("Running on the simulator ({0}); click for the log", run.session.simulatorUrl);
    this.status.show();
  }
}
