// A variable of the Devices view put to use: bound to one of the APP's signals (the site's
// *.binding.yaml gets the endpoint and the variable's node id), or added to the canvas as a
// subscribe block with a new signal of its own. Both are text edits VS Code can undo; the
// binding file is saved, since the run and the build read it from disk.
import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import * as vscode from "vscode";
import type { VariableDrop } from "../../../webview/protocol.ts";
import type { SignalType } from "../../../core/edit-app.ts";
import { coreServices } from "../lazy-core.ts";
import { bindingSecretName, type DeviceEndpoint, type DeviceStore } from "./device-store.ts";
import type { VariableRef } from "./variable-uri.ts";

const SUBSCRIBE_BLOCK = "dengta.opcua.subscribe@1";

/** Binds `signal` of the APP to the variable, in the binding beside it (created when there is none). */
export async function bindVariable(app: vscode.Uri, signal: string, ref: VariableRef, store: DeviceStore): Promise<vscode.Uri | undefined> {
  const endpoint = store.get(ref.endpoint);
  if (endpoint === undefined) return void vscode.window.showErrorMessage(vscode.l10n.t("The endpoint {0} is no longer in the Devices view.", ref.endpoint));
  const core = await coreServices();
  const appText = (await vscode.workspace.openTextDocument(app)).getText();
  const binding = await bindingDocument(app, core.appSignals(appText).appRef, core.newBindingText);
  if (binding === undefined) return undefined;
  let text = binding.getText();
  text = core.applyEdits(text, core.setEndpointEdit(text, endpoint.id, endpointSpec(endpoint)));
  text = core.applyEdits(text, core.bindSignalEdit(text, signal, { endpoint: endpoint.id, nodeId: ref.nodeId }));
  await replaceAll(binding, text);
  await binding.save();
  void vscode.window.setStatusBarMessage(vscode.l10n.t("Bound {0} to {1} in {2}", signal, ref.nodeId, basename(binding.uri.fsPath)), 5000);
  return binding.uri;
}

/** A variable dropped on a canvas: onto a block that reads a signal, bind it; elsewhere, add a block for it. */
export async function dropVariable(document: vscode.TextDocument, drop: VariableDrop, ref: VariableRef, store: DeviceStore): Promise<void> {
  const core = await coreServices();
  const signals = core.appSignals(document.getText());
  const signal = drop.node === undefined ? undefined : signals.nodeSignals[drop.node];
  if (signal !== undefined) {
    await bindVariable(document.uri, signal, ref, store);
    return;
  }
  await addVariableBlock(document, ref, drop.position, store);
}

/** A subscribe block for the variable, a signal named after it, and the signal bound to it. */
export async function addVariableBlock(document: vscode.TextDocument, ref: VariableRef, position: [number, number] | undefined, store: DeviceStore): Promise<void> {
  const core = await coreServices();
  const before = document.getText();
  const taken = core.appSignals(before).signals.map((s) => s.name);
  const name = core.uniqueSignalName(ref.browseName, taken);
  let text = core.applyEdits(before, core.declareSignalEdit(before, name, {
    type: signalType(ref.dataType), direction: "in", title: { en: ref.browseName, "zh-CN": ref.browseName },
  }));
  const id = core.uniqueNodeId(text, name);
  text = core.applyEdits(text, core.addNodesEdit(text, [{ id, block: SUBSCRIBE_BLOCK, config: { signal: name }, ...(position ? { position } : {}) }]));
  await replaceChanged(document, before, text);
  await bindVariable(document.uri, name, ref, store);
}

/** The binding beside the APP: the only one, the one picked, or a new site.binding.yaml. */
async function bindingDocument(app: vscode.Uri, appRef: string | undefined, newBindingText: (spec: { app: string }) => string): Promise<vscode.TextDocument | undefined> {
  const folder = dirname(app.fsPath);
  const found = readdirSync(folder).filter((f) => f.endsWith(".binding.yaml")).sort();
  let file: string | undefined = found.length === 1 ? join(folder, found[0]!) : undefined;
  if (found.length > 1) {
    const picked = await vscode.window.showQuickPick(found, { placeHolder: vscode.l10n.t("Which site binding?") });
    if (!picked) return undefined;
    file = join(folder, picked);
  }
  if (file === undefined) {
    if (appRef === undefined) return void vscode.window.showErrorMessage(vscode.l10n.t("The APP needs an id and a version before it can be bound."));
    file = join(folder, "site.binding.yaml");
    if (!existsSync(file)) await vscode.workspace.fs.writeFile(vscode.Uri.file(file), new TextEncoder().encode(newBindingText({ app: appRef })));
  }
  return vscode.workspace.openTextDocument(vscode.Uri.file(file));
}

function endpointSpec(endpoint: DeviceEndpoint) {
  return {
    url: endpoint.url,
    ...(endpoint.securityMode === "None" ? {} : { security: { mode: endpoint.securityMode, policy: endpoint.securityPolicy } }),
    ...(endpoint.userName ? { user: { name: endpoint.userName, password: { secret: bindingSecretName(endpoint.id) } } } : {}),
  };
}

/** The APP signal type for an OPC UA data type. */
export function signalType(dataType: string | undefined): SignalType {
  if (dataType === undefined) return "any";
  if (/^(Double|Float|Decimal)$/.test(dataType)) return "number";
  if (/^U?Int(16|32|64)$|^S?Byte$/.test(dataType)) return "integer";
  if (dataType === "Boolean") return "boolean";
  if (/^(String|LocalizedText|DateTime|Guid|ByteString)$/.test(dataType)) return "string";
  return "any";
}

async function replaceAll(document: vscode.TextDocument, text: string): Promise<void> {
  await replaceChanged(document, document.getText(), text);
}

/** One edit covering only what changed between the two texts: one undo step, untouched lines kept. */
async function replaceChanged(document: vscode.TextDocument, before: string, after: string): Promise<void> {
  if (before === after) return;
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(start), document.positionAt(before.length - end)), after.slice(start, after.length - end));
  await vscode.workspace.applyEdit(edit);
}
