// The canvas page: the webview's own script and styles from media/, a nonce for the script and
// nothing else allowed — no inline code, no eval, no remote content.
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

export function canvasHtml(webview: vscode.Webview, media: vscode.Uri, locale: string): string {
  const nonce = randomBytes(18).toString("base64");
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(media, name)).toString();
  const csp = [
    "default-src 'none'",
    // The nonce for main.js; the extension's own media for the chunks it imports on demand.
    `script-src 'nonce-${nonce}' ${webview.cspSource}`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `worker-src ${webview.cspSource}`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="${locale}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset("main.css")}">
<title>Dengta</title>
</head>
<body>
<div id="root" data-editor-worker="${asset("editor.worker.js")}"></div>
<script type="module" nonce="${nonce}" src="${asset("main.js")}"></script>
</body>
</html>`;
}
