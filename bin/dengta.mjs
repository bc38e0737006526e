#!/usr/bin/env node
// Launches the built CLI; `npm run build` makes it.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli/dengta.mjs", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("dengta is not built yet: run `npm run build` / 尚未构建：请运行 `npm run build`\n");
  process.exit(2);
}
await import(cli.href);
