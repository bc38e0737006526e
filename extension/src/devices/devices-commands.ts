// The Devices view and its commands: add, trust, refresh and remove endpoints; read a variable,
// bind it to a signal, add it to the canvas, or drop it there.
import { join } from "node:path";
import * as vscode from "vscode";
import { shorten } from "../../../cli/run-status.ts";
import type { VariableDrop } from "../../../webview/protocol.ts";
import type { CanvasEditorProvider } from "../canvas-editor.ts";
import { targetApp } from "../commands.ts";
import { coreServices } from "../lazy-core.ts";
import { inUiLanguage, uiLocale } from "../locale.ts";
import { addEndpoint, trustEndpoint, type EndpointAnswers } from "./add-endpoint.ts";
import { addVariableBlock, bindVariable, dropVariable } from "./bind-variable.ts";
import { DeviceStore } from "./device-store.ts";
import { DEVICES_VIEW, DevicesView, variableRef, type DeviceElement } from "./devices-view.ts";
import { parseVariableUri, type VariableRef } from "./variable-uri.ts";

/** A drag the host saw start counts for a drop within this long (the webview may not get its text). */
const DRAG_FRESH_MS = 60_000;

type NodeElement = Extract<DeviceElement, { kind: "node" }>;

export function registerDevices(context: vscode.ExtensionContext, canvas: CanvasEditorProvider): DevicesView {
  const store = new DeviceStore(context.workspaceState, context.secrets);
  const pkiDir = join(context.globalStorageUri.fsPath, "opcua-pki");
  const view = new DevicesView(store, pkiDir);
  const tree = vscode.window.createTreeView(DEVICES_VIEW, { treeDataProvider: view, dragAndDropController: view, showCollapseAll: true, canSelectMany: false });
  const add = (id: string, run: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));
  context.subscriptions.push(tree, { dispose: () => void view.dispose() });

  add("dengta.devices.add", (answers?: EndpointAnswers) => addEndpoint(store, pkiDir, answers));
  add("dengta.devices.refresh", () => view.refresh());
  add("dengta.devices.remove", (element?: DeviceElement) => element?.kind === "endpoint" ? store.remove(element.endpoint.id) : undefined);
  add("dengta.devices.trust", async (target?: DeviceElement | string, options?: { ask?: boolean }) => {
    const id = typeof target === "string" ? target : target?.kind === "endpoint" ? target.endpoint.id : target?.endpoint;
    const endpoint = id === undefined ? undefined : store.get(id);
    if (endpoint && (await trustEndpoint(endpoint, pkiDir, options?.ask ?? true))) view.refresh();
  });
  add("dengta.devices.more", (more: Extract<DeviceElement, { kind: "more" }>) => view.loadMore(more));
  add("dengta.devices.read", (element: NodeElement) => readVariable(view, element));
  add("dengta.devices.bind", (element: NodeElement, target?: { app: vscode.Uri; signal: string }) => bindToSignal(element, store, target));
  add("dengta.devices.addToCanvas", async (element: NodeElement, appUri?: vscode.Uri) => {
    const app = targetApp(appUri);
    if (app) await addVariableBlock(await vscode.workspace.openTextDocument(app), variableRef(element), undefined, store);
  });

  canvas.onVariableDrop = async (document: vscode.TextDocument, drop: VariableDrop) => {
    const ref = droppedVariable(drop, view);
    if (ref === undefined) return void vscode.window.showInformationMessage(vscode.l10n.t("Drop a variable from the OPC UA Devices view here to read it in the APP."));
    await dropVariable(document, drop, ref, store);
  };
  return view;
}

/** What the drop carried; else, when it carried nothing, the variable whose drag the host saw start (used once). */
function droppedVariable(drop: VariableDrop, view: DevicesView): VariableRef | undefined {
  if (drop.data !== undefined) return parseVariableUri(drop.data);
  const last = view.lastDragged;
  view.lastDragged = undefined;
  return last && Date.now() - last.at < DRAG_FRESH_MS ? last.ref : undefined;
}

async function readVariable(view: DevicesView, element: NodeElement): Promise<void> {
  try {
    const session = await view.session(element.endpoint);
    const reading = await session.read(element.item.nodeId);
    const when = reading.sourceTimestamp ? new Date(reading.sourceTimestamp).toLocaleString(uiLocale()) : "";
    void vscode.window.showInformationMessage(vscode.l10n.t("{0} = {1} ({2}, {3}) {4}", element.item.displayName || element.item.browseName, shorten(Buffer.isBuffer(reading.value) ? `${reading.value.length} bytes` : reading.value, 80), reading.dataType ?? "", reading.statusText, when));
  } catch (error) {
    const text = (error as { text?: { en: string; "zh-CN": string } }).text;
    void vscode.window.showErrorMessage(text ? inUiLanguage(text) : String((error as Error).message));
  }
}

/** Asks which signal of the APP (or a new one) the variable feeds, then writes the binding. */
async function bindToSignal(element: NodeElement, store: DeviceStore, target?: { app: vscode.Uri; signal: string }): Promise<void> {
  const ref = variableRef(element);
  const app = target?.app ?? targetApp(undefined);
  if (!app) return;
  if (target) return void (await bindVariable(app, target.signal, ref, store));
  const { appSignals } = await coreServices();
  const { signals } = appSignals((await vscode.workspace.openTextDocument(app)).getText());
  const locale = uiLocale();
  const newSignal = { label: `$(add) ${vscode.l10n.t("New signal and subscribe block")}`, signal: undefined };
  const picked = await vscode.window.showQuickPick([
    ...signals.map((s) => ({ label: s.name, description: `${s.type} · ${s.direction}`, detail: s.title?.[locale], signal: s.name })),
    newSignal,
  ], { title: vscode.l10n.t("Bind {0} to which signal?", ref.browseName), placeHolder: vscode.l10n.t("Signals of {0}", app.path.split("/").pop() ?? "") });
  if (!picked) return;
  if (picked.signal === undefined) return addVariableBlock(await vscode.workspace.openTextDocument(app), ref, undefined, store);
  await bindVariable(app, picked.signal, ref, store);
}
