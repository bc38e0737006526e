import { build } from "esbuild";
import type { RegisteredBlock } from "../registry.ts";
import { dengtaHome } from "../project-paths.ts";
import { relative } from "node:path";

/**
 * Compiles the runtime and exactly the blocks an APP uses into one CommonJS file. Paths are
 * relative to the Dengta home folder, so the output does not depend on where it is built.
 */
export async function compileMain(blocks: readonly RegisteredBlock[]): Promise<Uint8Array> {
  const home = dengtaHome();
  const used = [...new Map(blocks.map((b) => [b.key, b])).values()].sort((a, b) => a.key.localeCompare(b.key));
  const imports = used.map((b, i) => `import block${i} from ${JSON.stringify(`./${relative(home, b.runtimePath).split("\\").join("/")}`)};`);
  const table = used.map((b, i) => `  ${JSON.stringify(b.key)}: block${i},`);
  const source = [
    `import { runBundle } from "./runtime/main.ts";`,
    ...imports,
    `const blocks = {`,
    ...table,
    `};`,
    `runBundle(blocks, __dirname).then(`,
    `  (code) => { process.exitCode = code; },`,
    `  (error) => { process.stderr.write(String(error && error.stack || error) + "\\n"); process.exitCode = 3; },`,
    `);`,
  ].join("\n");
  const result = await build({
    stdin: { contents: source, resolveDir: home, sourcefile: "bundle-entry.ts", loader: "ts" },
    absWorkingDir: home,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22.13",
    minify: true,
    charset: "utf8",
    legalComments: "eof",
    write: false,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
    // Optional providers that packages import only when configured to; they are not installed.
    external: ["proper-lockfile"],
  });
  return result.outputFiles[0]!.contents;
}
