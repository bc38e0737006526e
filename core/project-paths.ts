import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let home: string | undefined;

/**
 * The folder holding schemas/, blocks/ and runtime/: found by walking up from this module,
 * so it is the same whether core runs from source, from the built CLI, or from the extension.
 */
export function dengtaHome(): string {
  if (home !== undefined) return home;
  const fromEnv = process.env.DENGTA_HOME;
  if (fromEnv) return (home = fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "schemas", "app.schema.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the Dengta home folder (schemas/, blocks/, runtime/)");
    dir = parent;
  }
  return (home = dir);
}
