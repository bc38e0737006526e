// Builds the dengta CLI with esbuild into dist/cli/dengta.mjs.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const quiet = process.argv.includes("--quiet");
const started = performance.now();
await build({
  entryPoints: { "cli/dengta": "cli/entry.ts" },
  absWorkingDir: root,
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22.13",
  packages: "external",
  sourcemap: "linked",
  charset: "utf8",
  logLevel: quiet ? "warning" : "info",
});
if (!quiet) console.log(`built dist/cli/dengta.mjs in ${Math.round(performance.now() - started)} ms`);
