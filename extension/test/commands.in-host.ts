// The palette commands against the real VS Code API.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import * as vscode from "vscode";
import { closeAll, sampleCopy, until } from "./helpers.ts";

describe("commands", () => {
  afterEach(closeAll);

  it("builds an edge bundle of the APP beside its binding", async () => {
    const uri = sampleCopy("oven-watch");
    await vscode.commands.executeCommand("dengta.build", uri);
    const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const bundle = join(workspace, "dist", "oven-watch");
    await until("the bundle", () => existsSync(join(bundle, "manifest.json")), 60_000);
    for (const file of ["main.js", "app.json", "binding.json", "deploy/dengta-oven-watch.service"]) assert.ok(existsSync(join(bundle, file)), file);
    assert.ok(existsSync(dirname(uri.fsPath)));
  });

  it("validates an APP and reports no problems for a sample", async () => {
    const uri = sampleCopy("oee-line");
    await vscode.commands.executeCommand("dengta.validate", uri);
    assert.deepEqual(vscode.languages.getDiagnostics(uri).filter((d) => d.source === "dengta"), []);
  });
});
