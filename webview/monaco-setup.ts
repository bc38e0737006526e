// Monaco, trimmed to the editor core plus the contributions an expression field needs, and its
// editor worker. The worker is a separate file (dist/webview/editor.worker.js) next to main.js,
// never a blob: URL, so the CSP needs no `blob:`. A VS Code webview's document and its resources
// have different origins, and browsers refuse a cross-origin Worker script; there, creating the
// worker throws and Monaco runs the same worker code on this thread, which is cheap for
// one-line expressions (the worker only computes diffs, links and word completions).
import * as monaco from "monaco-editor/editor/editor.api.js";
import "monaco-editor/editor/contrib/suggest/browser/suggestController.js";
import "monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching.js";
import "monaco-editor/editor/contrib/hover/browser/hoverContribution.js";
import "monaco-editor/editor/contrib/clipboard/browser/clipboard.js";
import "monaco-editor/editor/contrib/wordOperations/browser/wordOperations.js";
import { registerJsonata } from "./jsonata-language.ts";
import type { ThemeKind } from "./theme.ts";

// The host names the worker's URL on the root element (this module is a chunk loaded on demand).
const workerUrl = document.getElementById("root")?.dataset.editorWorker ?? "editor.worker.js";

globalThis.MonacoEnvironment = {
  getWorker: (_workerId: string, label: string) => new Worker(workerUrl, { name: label }),
};

registerJsonata(monaco);

const BASE_THEME: Record<ThemeKind, monaco.editor.BuiltinTheme> = { light: "vs", dark: "vs-dark", "hc-dark": "hc-black", "hc-light": "hc-light" };

/** A Monaco theme on the VS Code theme's base, with the input box's background when it is plain hex. */
export function applyMonacoTheme(kind: ThemeKind): void {
  const style = getComputedStyle(document.body);
  const colors: Record<string, string> = {};
  const background = style.getPropertyValue("--vscode-input-background").trim();
  if (/^#[0-9a-f]{6}([0-9a-f]{2})?$/i.test(background)) colors["editor.background"] = background;
  monaco.editor.defineTheme("dengta", { base: BASE_THEME[kind], inherit: true, rules: [], colors });
  monaco.editor.setTheme("dengta");
}

export { monaco };
