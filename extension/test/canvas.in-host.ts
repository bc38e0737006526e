// The canvas against the real VS Code API: the text document is the model, edits are minimal,
// undo and save work, and a text edit reaches an open canvas.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as vscode from "vscode";
import type { HostMessage } from "../../webview/protocol.ts";
import { closeAll, openCanvas, sampleCopy, until } from "./helpers.ts";

const changedLines = (before: string, after: string) => {
  const a = before.split("\n");
  const b = after.split("\n");
  return b.filter((line, i) => a[i] !== line);
};

describe("flow canvas", () => {
  afterEach(closeAll);

  it("opens an APP in the canvas by default", async () => {
    const uri = sampleCopy("oven-watch");
    await vscode.commands.executeCommand("vscode.open", uri);
    const tab = await until("the canvas tab", () => vscode.window.tabGroups.activeTabGroup.activeTab);
    assert.ok(tab.input instanceof vscode.TabInputCustom);
    assert.equal(tab.input.viewType, "dengta.canvas");
  });

  it("moves a node by changing its layout line only; undo restores the file byte for byte; save writes it", async () => {
    const uri = sampleCopy("oven-watch");
    const session = await openCanvas(uri);
    const before = session.document.getText();
    const node = /^ {2}([A-Za-z][\w-]*):/m.exec(before.slice(before.indexOf("\nnodes:")))![1]!;
    await session.receive({ type: "moveNodes", version: session.document.version, positions: { [node]: [333, 444] } });
    const after = session.document.getText();
    assert.deepEqual(changedLines(before, after).filter((l) => !l.startsWith("layout:")), [`  ${node}: [333, 444]`]);
    assert.ok(session.document.isDirty);
    await vscode.commands.executeCommand("undo");
    await until("the undo", () => session.document.getText() === before);
    await vscode.commands.executeCommand("redo");
    await until("the redo", () => session.document.getText() === after);
    await session.document.save();
    assert.equal(readFileSync(uri.fsPath, "utf8"), after);
  });

  it("refuses an incompatible connection with its reason and leaves the file alone", async () => {
    const uri = sampleCopy("oee-line");
    const session = await openCanvas(uri);
    const before = session.document.getText();
    const notices: HostMessage[] = [];
    session.onPost = (m) => m.type === "notice" && notices.push(m);
    // A machine-state object into the OEE's good-parts count, which takes numbers.
    await session.receive({ type: "connect", version: session.document.version, edge: { from: { node: "m1State", port: "out" }, to: { node: "m1Oee", port: "good" } } });
    session.onPost = undefined;
    assert.equal(session.document.getText(), before);
    const notice = notices[0] as Extract<HostMessage, { type: "notice" }>;
    assert.match(notice.text.en, /m1State\.out sends object, but m1Oee\.good takes number/);
    assert.match(notice.text["zh-CN"], /只接受 number/);
  });

  it("shows a text edit on the open canvas", async () => {
    const uri = sampleCopy("oven-watch");
    const session = await openCanvas(uri);
    const shown: HostMessage[] = [];
    session.onPost = (m) => m.type === "document" && shown.push(m);
    const text = session.document.getText();
    const at = text.indexOf("\nnodes:\n") + "\nnodes:\n".length;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, session.document.positionAt(at), "  typed: { block: dengta.time.timer@1, config: { intervalMs: 1000 } }\n");
    await vscode.workspace.applyEdit(edit);
    const view = await until("the redrawn canvas", () => shown.find((m) => m.type === "document" && m.app.nodes.some((n) => n.id === "typed")));
    session.onPost = undefined;
    assert.equal(view.type, "document");
  });

  it("puts core's problems in the Problems panel as the text is typed", async () => {
    const uri = sampleCopy("oven-watch");
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, document.positionAt(document.getText().indexOf("\nnodes:\n") + 8), "  broken: { block: dengta.time.timer@1, config: { intervalMs: -1 } }\n");
    await vscode.workspace.applyEdit(edit);
    const problem = await until("a diagnostic", () => vscode.languages.getDiagnostics(uri).find((d) => d.source === "dengta"));
    assert.equal(problem.severity, vscode.DiagnosticSeverity.Error);
    assert.ok(problem.range.start.line > 0);
  });
});
