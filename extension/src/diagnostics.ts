// Core's problems in the Problems panel, kept in step with every APP document as it is typed.
import * as vscode from "vscode";
import type { Diagnostic } from "../../core/diagnostics.ts";
import type { AppReadings } from "./app-readings.ts";
import { inUiLanguage } from "./locale.ts";

const SETTLE_MS = 200;
export const isAppDocument = (d: vscode.TextDocument) => d.uri.path.endsWith(".iapp.yaml");

export class AppDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection("dengta");
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly readings: AppReadings) {
    this.subscriptions = [
      // Scheduled like an edit: an APP opening in the canvas is served first, its problems a moment later.
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        readings.forget(d);
      }),
    ];
    for (const document of vscode.workspace.textDocuments) void this.check(document);
  }

  /** Checks now; returns core's diagnostics (none for a document that is not an APP). */
  async check(document: vscode.TextDocument): Promise<Diagnostic[]> {
    if (!isAppDocument(document)) return [];
    const { diagnostics } = await this.readings.read(document);
    this.collection.set(document.uri, diagnostics.map(toVsCode));
    return diagnostics;
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isAppDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(key, setTimeout(() => {
      this.pending.delete(key);
      void this.check(document);
    }, SETTLE_MS));
  }
}

function toVsCode(d: Diagnostic): vscode.Diagnostic {
  const range = new vscode.Range(d.line - 1, d.column - 1, Math.max(d.endLine, d.line) - 1, Math.max(d.endColumn - 1, 0));
  const severity = d.severity === "error" ? vscode.DiagnosticSeverity.Error
    : d.severity === "warning" ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const diagnostic = new vscode.Diagnostic(range, inUiLanguage(d.message), severity);
  diagnostic.source = "dengta";
  diagnostic.code = d.code;
  return diagnostic;
}
