// Stages the VS Code extension in dist/extension/ and, with --package, makes dist/dengta-<version>.vsix.
// The extension carries no node_modules of ours and no native module: the host is one esbuild file
// (core and the OPC UA client load on first use from files of their own); the simulator runs from
// the CLI built into dist/dengta-cli.mjs;
// bundles are compiled with esbuild-wasm from the runtime and blocks prebuilt here, their
// dependencies included; the webview is built by scripts/build-webview.mjs. Native packages (sharp,
// onnxruntime-node) a bundle downloads from the npm registry by native-packages.json.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { nativePackageList } from "../core/bundle/native-package-list.ts";
import { buildExtensionCli } from "./build-extension-cli.mjs";
import { esbuildAsWasm, root } from "./esbuild-node.mjs";

const stage = join(root, "dist", "extension");
const quiet = process.argv.includes("--quiet");
const log = (line) => quiet || console.log(line);

/** `withTests`: also the in-host suite (dist/in-host-tests.js), which the published extension leaves out. */
export async function buildExtension({ withTests = false } = {}) {
  const started = performance.now();
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  await buildHost(withTests);
  await buildPrebuiltLibrary();
  await buildExtensionCli(stage);
  const { buildWebview } = await import("./build-webview.mjs");
  await buildWebview(join(stage, "media"));
  copyResources();
  log(`staged ${stage} in ${Math.round(performance.now() - started)} ms`);
  return stage;
}

/** The extension host: CommonJS for VS Code, `vscode` from the host, esbuild as its wasm build. */
function buildHost(withTests) {
  return build({
    entryPoints: {
      extension: "extension/src/extension.ts",
      "core-services": "extension/src/core-services.ts",
      "opcua-services": "extension/src/devices/opcua-services.ts",
      ...(withTests ? { "in-host-tests": "extension/test/in-host-tests.ts" } : {}),
    },
    absWorkingDir: root,
    outdir: join(stage, "dist"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    sourcemap: "linked",
    charset: "utf8",
    external: ["vscode"],
    plugins: [esbuildAsWasm, coreOnFirstUse],
    // core finds its home (schemas/, blocks/) from its own module's URL.
    define: { "import.meta.url": "__dengtaModuleUrl" },
    banner: { js: 'const __dengtaModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    // mocha's parallel mode (unused in the in-host suite) resolves files next to itself.
    logOverride: { "require-resolve-not-external": "silent" },
    logLevel: "warning",
  });
}

/**
 * extension.js stays small: core (validator, registry, compiler) and the OPC UA client are files
 * of their own, required on first use.
 */
const coreOnFirstUse = {
  name: "core-on-first-use",
  setup(build) {
    build.onResolve({ filter: /\/(core|opcua)-services\.ts$/ }, (args) =>
      args.kind === "dynamic-import" ? { path: `./${args.path.split("/").pop().replace(/\.ts$/, ".js")}`, external: true } : undefined);
  },
};

/** The runtime and every block, with their dependencies, as modules a bundle build can link. */
function buildPrebuiltLibrary() {
  const blocks = readdirSync(join(root, "blocks"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(join(root, "blocks", d.name)).includes("block.json"))
    .map((d) => d.name);
  const entryPoints = Object.fromEntries([
    ["runtime/main", "runtime/main.ts"],
    ...blocks.map((name) => [`blocks/${name}/runtime`, `blocks/${name}/runtime.ts`]),
  ]);
  return build({
    entryPoints,
    absWorkingDir: root,
    outdir: join(stage, "prebuilt"),
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node22.13",
    charset: "utf8",
    legalComments: "eof",
    define: { "process.env.NODE_ENV": '"production"' },
    // Native packages stay outside, as in a bundle's main.js (core/bundle/native-rules.ts NATIVE_PACKAGES).
    external: ["proper-lockfile", "sharp", "onnxruntime-node"],
    logLevel: "warning",
  });
}

function copyResources() {
  const manifest = JSON.parse(readFileSync(join(root, "extension", "manifest.json"), "utf8"));
  writeFileSync(join(stage, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of ["package.nls.json", "package.nls.zh-cn.json", ".vscodeignore"]) cpSync(join(root, "extension", file), join(stage, file));
  cpSync(join(root, "extension", "l10n"), join(stage, "l10n"), { recursive: true });
  cpSync(join(root, "extension", "walkthrough"), join(stage, "walkthrough"), { recursive: true });
  cpSync(join(root, "LICENSE"), join(stage, "LICENSE"));
  cpSync(join(root, "extension", "README.md"), join(stage, "README.md"));
  writeNativePackageList();
  cpSync(join(root, "schemas"), join(stage, "schemas"), { recursive: true });
  cpSync(join(root, "samples"), join(stage, "samples"), { recursive: true });
  // Manifests, config schemas and docs; the code is in prebuilt/.
  cpSync(join(root, "blocks"), join(stage, "blocks"), { recursive: true, filter: (src) => !/\.ts$/.test(src) || src.endsWith("runtime.ts") && !src.includes(".test.") });
  // vsce leaves node_modules out of a package made with --no-dependencies.
  cpSync(join(root, "node_modules", "esbuild-wasm"), join(stage, "dist", "esbuild-wasm"), { recursive: true });
}

/** What a bundle may carry in node_modules/, pinned by package-lock.json: the extension has no node_modules to copy from. */
function writeNativePackageList() {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  writeFileSync(join(stage, "native-packages.json"), `${JSON.stringify(nativePackageList(lock), null, 2)}\n`);
}

/** `vsce package` of the staged folder: dependencies are inside the bundles, none to collect. */
export function packageExtension() {
  const { version } = JSON.parse(readFileSync(join(stage, "package.json"), "utf8"));
  const vsix = join(root, "dist", `dengta-${version}.vsix`);
  const result = spawnSync(join(root, "node_modules", ".bin", "vsce"), ["package", "--no-dependencies", "--out", vsix], { cwd: stage, stdio: quiet ? "pipe" : "inherit", encoding: "utf8" });
  if (result.status !== 0) throw new Error(`vsce package failed (exit ${result.status}): ${result.stderr ?? ""}`);
  log(`packaged ${vsix}`);
  return vsix;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildExtension({ withTests: process.argv.includes("--with-tests") });
  if (process.argv.includes("--package")) packageExtension();
}
