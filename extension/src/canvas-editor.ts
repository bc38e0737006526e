// The flow canvas as a custom editor of the APP's text, after the custom-editor sample: the text
// document is the only model. The webview shows what core reads from the text; an edit on the
// canvas becomes a WorkspaceEdit of the fewest lines; the document's change event redraws it.
import * as vscode from "vscode";
import type { TextEdit } from "../../core/edit-app.ts";
import type { AppReadings } from "./app-readings.ts";
import { parseWebviewMessage, type HostMessage, type LiveNodeStats, type VariableDrop, type WebviewMessage } from "../../webview/protocol.ts";
import { uiLocale } from "./locale.ts";
import { canvasHtml } from "./webview-html.ts";

export const CANVAS_VIEW_TYPE = "dengta.canvas";

/** One open canvas: what it shows, and what it asks of the text. */
export interface CanvasSession {
  readonly document: vscode.TextDocument;
  /** Handles a message as if the webview had sent it; resolves once any edit is applied. */
  receive(data: unknown): Promise<void>;
  /** Every message sent to the webview, for the in-host tests (kept only while one listens). */
  onPost: ((message: HostMessage) => void) | undefined;
  post(message: HostMessage): void;
}

/** What to do with an OPC UA variable dropped on a canvas (the Devices view's part). */
export type VariableDropHandler = (document: vscode.TextDocument, drop: VariableDrop) => Promise<void>;

export class CanvasEditorProvider implements vscode.CustomTextEditorProvider {
  readonly sessions = new Map<string, CanvasSession>();
  onVariableDrop: VariableDropHandler | undefined;
  private catalogOnce: Promise<ReturnType<typeof import("./core-services.ts")["catalogOf"]>> | undefined;
  /** The figures of a running APP, shown again on a canvas opened while it runs. */
  private live = new Map<string, Record<string, LiveNodeStats>>();

  constructor(
    private readonly media: vscode.Uri,
    private readonly core: () => Promise<typeof import("./core-services.ts")>,
    private readonly readings: AppReadings,
  ) {}

  resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [this.media] };
    webview.html = canvasHtml(webview, this.media, uiLocale());
    const key = document.uri.toString();
    const post = (message: HostMessage) => {
      session.onPost?.(message);
      void webview.postMessage(message);
    };
    const session: CanvasSession = {
      document,
      onPost: undefined,
      post,
      receive: (data) => this.receive(document, data, post),
    };
    this.sessions.set(key, session);
    const changes = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.toString() === key && e.contentChanges.length > 0) void this.show(document, post);
    });
    const received = webview.onDidReceiveMessage((data: unknown) => void session.receive(data));
    panel.onDidDispose(() => {
      this.sessions.delete(key);
      changes.dispose();
      received.dispose();
    });
  }

  private async receive(document: vscode.TextDocument, data: unknown, post: (m: HostMessage) => void): Promise<void> {
    const message = parseWebviewMessage(data);
    if (message === undefined) return;
    if (message.type === "ready") {
      const { blocks, compatible } = await this.catalog();
      post({ type: "init", locale: uiLocale(), catalog: blocks, compatible });
      await this.show(document, post);
      const live = this.live.get(document.uri.toString());
      if (live) post({ type: "live", running: true, nodes: live });
      return;
    }
    if (message.type === "dropVariable") return this.onVariableDrop?.(document, message.drop);
    // Nothing changed (refused, stale, empty): redraw the canvas as the text is.
    if (!(await this.apply(document, message, post))) await this.show(document, post);
  }

  /** The palette and the connection table: the same for every canvas, computed once. */
  private catalog(): Promise<ReturnType<typeof import("./core-services.ts")["catalogOf"]>> {
    this.catalogOnce ??= this.core().then((core) => core.catalogOf(core.builtinRegistry().registry));
    return this.catalogOnce;
  }

  /** Shows a run's figures on the APP's canvas, or clears them (`nodes` undefined). */
  showLive(app: vscode.Uri, nodes: Record<string, LiveNodeStats> | undefined): void {
    const key = app.toString();
    if (nodes) this.live.set(key, nodes);
    else this.live.delete(key);
    this.sessions.get(key)?.post({ type: "live", running: nodes !== undefined, nodes: nodes ?? {} });
  }

  private async show(document: vscode.TextDocument, post: (m: HostMessage) => void): Promise<void> {
    post({ type: "document", app: (await this.readings.read(document)).view });
  }

  /** Applies a canvas edit; false when the text did not change. */
  private async apply(document: vscode.TextDocument, message: Exclude<WebviewMessage, { type: "ready" | "dropVariable" }>, post: (m: HostMessage) => void): Promise<boolean> {
    if (message.type === "openText") {
      await vscode.commands.executeCommand("vscode.openWith", document.uri, "default", vscode.ViewColumn.Beside);
      return true;
    }
    if (message.version !== document.version) {
      post({ type: "notice", level: "warning", text: { en: "The file changed while you edited; the canvas shows it as it is now.", "zh-CN": "编辑期间文件已被修改；画布已显示其最新内容。" } });
      return false;
    }
    const core = await this.core();
    const result = core.canvasEdits(document.getText(), message, core.builtinRegistry().registry);
    if ("refused" in result) {
      post({ type: "notice", level: "warning", text: result.refused });
      return false;
    }
    return result.edits.length > 0 && (await applyTextEdits(document, result.edits));
  }
}

async function applyTextEdits(document: vscode.TextDocument, edits: readonly TextEdit[]): Promise<boolean> {
  const workspaceEdit = new vscode.WorkspaceEdit();
  for (const edit of edits) {
    const range = new vscode.Range(document.positionAt(edit.offset), document.positionAt(edit.offset + edit.length));
    workspaceEdit.replace(document.uri, range, edit.text);
  }
  return vscode.workspace.applyEdit(workspaceEdit);
}
