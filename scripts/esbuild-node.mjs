// How the project's own tools are bundled: ESM for Node, dependencies left in node_modules.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));

/** Bundles `entryPoints` ({ name: source }) into `outdir` as name.mjs. */
export function buildNodeTool(entryPoints, outdir, logLevel = "warning") {
  return build({
    entryPoints,
    absWorkingDir: root,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    // Dynamic imports become chunks, loaded when used: the simulator's OPC UA server only for `sim` and `run`.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    target: "node22.13",
    packages: "external",
    sourcemap: "linked",
    charset: "utf8",
    logLevel,
  });
}

/** In the VS Code extension core's `esbuild` is the esbuild-wasm shipped in its dist/ folder (no native binary). */
export const esbuildAsWasm = {
  name: "esbuild-as-wasm",
  setup(build) {
    build.onResolve({ filter: /^esbuild$/ }, () => ({ path: "./esbuild-wasm/lib/main.js", external: true }));
  },
};
