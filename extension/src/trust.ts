// Workspace Trust: building and running execute code from the workspace, so both are off until the
// user trusts it. The manifest hides their menu entries; this refuses a call that comes anyway.
import * as vscode from "vscode";

/** True (and the user told why) when the workspace is not trusted. */
export function refuseWhenUntrusted(action: string): boolean {
  if (vscode.workspace.isTrusted) return false;
  const manage = vscode.l10n.t("Manage Workspace Trust");
  void vscode.window.showWarningMessage(vscode.l10n.t("{0} is off in an untrusted workspace: it runs code from this folder. Trust the folder to use it.", action), manage)
    .then((choice) => { if (choice === manage) void vscode.commands.executeCommand("workbench.trust.manage"); });
  return true;
}
