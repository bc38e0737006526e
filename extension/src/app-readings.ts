// One reading of an APP document per version, shared: the Problems panel and the canvas ask for
// the same version at open and after each edit, and core's validation is the costly part.
import type * as vscode from "vscode";
import type { Diagnostic } from "../../core/diagnostics.ts";
import type { AppView } from "../../webview/protocol.ts";
import { coreServices } from "./lazy-core.ts";

export interface AppReading {
  view: AppView;
  diagnostics: Diagnostic[];
}

export class AppReadings {
  private readonly latest = new Map<string, { version: number; reading: Promise<AppReading> }>();

  read(document: vscode.TextDocument): Promise<AppReading> {
    const key = document.uri.toString();
    const cached = this.latest.get(key);
    if (cached?.version === document.version) return cached.reading;
    const text = document.getText();
    const reading = coreServices().then(({ appView }) => appView(document.uri.fsPath, text, document.version));
    this.latest.set(key, { version: document.version, reading });
    return reading;
  }

  forget(document: vscode.TextDocument): void {
    this.latest.delete(document.uri.toString());
  }
}
