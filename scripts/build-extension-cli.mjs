// The dengta CLI for the VS Code extension: one ESM file, <stage>/dist/dengta-cli.mjs, with every
// dependency inside, run by whatever Node the extension found (VS Code's own or the user's).
// From dist/, core finds schemas/ and blocks/ one folder up, in the staged extension's root.
// Two things do not bundle as they are, and are dealt with here:
// - esbuild's native binary: the extension ships esbuild-wasm in dist/esbuild-wasm, as for the host;
// - node-opcua's nodesets (XML read from disk beside the module): copied to <stage>/nodesets.
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { esbuildAsWasm, root } from "./esbuild-node.mjs";

/** The nodesets the simulator's OPC UA server loads (simulator/server/opcua-server.ts). */
const NODESETS = ["standard", "di", "ia", "machinery"];

export async function buildExtensionCli(stageDir) {
  await build({
    entryPoints: { "dengta-cli": "cli/entry.ts" },
    absWorkingDir: root,
    outdir: join(stageDir, "dist"),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22.13",
    minify: true,
    charset: "utf8",
    legalComments: "eof",
    define: { "process.env.NODE_ENV": '"production"' },
    // CommonJS dependencies bundled into ESM still call require() for Node's own modules.
    banner: { js: 'import { createRequire as __dengtaRequire } from "node:module"; const require = __dengtaRequire(import.meta.url);' },
    // sharp is native: the simulator's camera falls back to pngjs without it.
    external: ["sharp"],
    plugins: [esbuildAsWasm],
    logLevel: "warning",
  });
  await copyNodesets(stageDir);
  return join(stageDir, "dist", "dengta-cli.mjs");
}

/**
 * node-opcua-nodesets looks for its XML files in "../nodesets" from its own module, which in the
 * bundle is dist/dengta-cli.mjs: so <stage>/nodesets. The .ndjson.gz beside each is its
 * precompiled image, which the loader reads instead of the XML when present.
 */
async function copyNodesets(stageDir) {
  const { nodesetCatalog } = await import("node-opcua-nodesets");
  const from = join(root, "node_modules", "node-opcua-nodesets", "nodesets");
  const to = join(stageDir, "nodesets");
  mkdirSync(to, { recursive: true });
  for (const name of NODESETS) {
    const { xmlFile } = nodesetCatalog.find((n) => n.name === name);
    cpSync(join(from, xmlFile), join(to, xmlFile));
    const image = xmlFile.replace(/\.xml$/i, ".ndjson.gz");
    if (existsSync(join(from, image))) cpSync(join(from, image), join(to, image));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stage = process.argv[2] ?? join(root, "dist", "extension");
  const started = performance.now();
  const file = await buildExtensionCli(stage);
  if (!process.argv.includes("--quiet")) console.log(`built ${file} in ${Math.round(performance.now() - started)} ms`);
}
