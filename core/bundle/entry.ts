import { build } from "esbuild";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { RegisteredBlock } from "../registry.ts";
import { dengtaHome } from "../project-paths.ts";
import { NATIVE_PACKAGES } from "./native-rules.ts";

/**
 * A module of the runtime or a block, as a path relative to the home folder. The VS Code extension
 * carries them prebuilt, their dependencies included (prebuilt/…/*.js), instead of node_modules.
 */
function modulePath(home: string, path: string): string {
  const unix = path.split("\\").join("/");
  const prebuilt = `prebuilt/${unix.replace(/\.ts$/, ".js")}`;
  return `./${existsSync(join(home, prebuilt)) ? prebuilt : unix}`;
}

/**
 * Compiles the runtime and exactly the blocks an APP uses into one CommonJS file. Paths are
 * relative to the Dengta home folder, so the output does not depend on where it is built.
 */
export async function compileMain(blocks: readonly RegisteredBlock[]): Promise<{ main: Uint8Array; native: string[] }> {
  const home = dengtaHome();
  const used = [...new Map(blocks.map((b) => [b.key, b])).values()].sort((a, b) => a.key.localeCompare(b.key));
  const imports = used.map((b, i) => `import block${i} from ${JSON.stringify(modulePath(home, relative(home, b.runtimePath)))};`);
  const table = used.map((b, i) => `  ${JSON.stringify(b.key)}: block${i},`);
  const source = [
    `import { runBundle } from ${JSON.stringify(modulePath(home, "runtime/main.ts"))};`,
    ...imports,
    `const blocks = {`,
    ...table,
    `};`,
    `runBundle(blocks, __dirname).then(`,
    `  (code) => { process.exitCode = code; },`,
    `  (error) => { process.stderr.write(String(error && error.stack || error) + "\\n"); process.exitCode = 3; },`,
    `);`,
  ].join("\n");
  // Written to a file, not returned in memory: esbuild-wasm (in the extension) fails to hand a
  // large output back through its message channel.
  const scratch = mkdtempSync(join(tmpdir(), "dengta-compile-"));
  const outfile = join(scratch, "main.js");
  try {
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
      outfile,
      logLevel: "silent",
      define: { "process.env.NODE_ENV": '"production"' },
      metafile: true,
      // Optional providers that packages import only when configured to; they are not installed.
      // Native packages go into node_modules/ beside main.js instead (native.ts).
      external: ["proper-lockfile", ...Object.keys(NATIVE_PACKAGES)],
    });
    const imported = Object.values(result.metafile!.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
    return { main: readFileSync(outfile), native: Object.keys(NATIVE_PACKAGES).filter((name) => imported.includes(name)) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
