// Bundles the canvas webview for a strict CSP (no eval, no blob:): dist/webview/main.js + main.css
// (React Flow's and Monaco's CSS included, the codicon font beside it) and Monaco's editor worker
// as its own file, dist/webview/editor.worker.js, loaded from the same folder as main.js.
import { build } from "esbuild";
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

const shared = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: "external",
  target: "chrome120",
  format: "esm",
  charset: "utf8",
  legalComments: "linked",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
};

/** Builds the webview into `outDir` (default dist/webview); returns each file's size in bytes. */
export async function buildWebview(outDir = path.join(root, "dist", "webview")) {
  await rm(outDir, { recursive: true, force: true });
  await Promise.all([
    build({
      ...shared,
      entryPoints: { main: "webview/main.tsx", monaco: "webview/monaco-setup.ts" },
      outdir: outDir,
      // Monaco (monaco.js + monaco.css) is loaded when an expression field is first shown.
      splitting: true,
      chunkNames: "chunks/[name]-[hash]",
      jsx: "automatic",
      loader: { ".ttf": "file" },
      assetNames: "[name]",
    }),
    build({
      ...shared,
      entryPoints: { "editor.worker": "node_modules/monaco-editor/esm/vs/editor/editor.worker.js" },
      outdir: outDir,
      format: "iife",
    }),
  ]);
  const sizes = {};
  for (const name of (await readdir(outDir)).sort()) sizes[name] = (await stat(path.join(outDir, name))).size;
  return sizes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  const sizes = await buildWebview(outDir);
  for (const [name, bytes] of Object.entries(sizes)) console.log(`${name.padEnd(28)} ${(bytes / 1024).toFixed(1).padStart(9)} KiB`);
  console.log(`built the webview in ${Math.round(performance.now() - started)} ms`);
}
