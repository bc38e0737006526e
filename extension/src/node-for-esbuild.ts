// esbuild-wasm runs its compiler with `node` from PATH. A user who only installed VS Code may have
// no Node; the extension host's own runtime can stand in (Electron runs as Node with
// ELECTRON_RUN_AS_NODE=1), through a small `node` launcher put first on PATH.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";

let ready = false;

export function provideNodeForEsbuild(folder: string): void {
  if (ready) return;
  mkdirSync(folder, { recursive: true });
  if (process.platform === "win32") {
    writeFileSync(join(folder, "node.cmd"), `@set ELECTRON_RUN_AS_NODE=1\r\n@"${process.execPath}" %*\r\n`);
  } else {
    const launcher = join(folder, "node");
    writeFileSync(launcher, `#!/bin/sh\nELECTRON_RUN_AS_NODE=1 exec "${process.execPath}" "$@"\n`);
    chmodSync(launcher, 0o755);
  }
  process.env.PATH = `${folder}${delimiter}${process.env.PATH ?? ""}`;
  ready = true;
}
