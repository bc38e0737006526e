// Builds the dengta CLI with esbuild into dist/cli/dengta.mjs.
import { buildNodeTool } from "./esbuild-node.mjs";

const quiet = process.argv.includes("--quiet");
const started = performance.now();
await buildNodeTool({ "cli/dengta": "cli/entry.ts" }, "dist", quiet ? "warning" : "info");
if (!quiet) console.log(`built dist/cli/dengta.mjs in ${Math.round(performance.now() - started)} ms`);
