import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { builtinRegistry, type RegisteredBlock } from "../core/registry.ts";

/** The block in `folder` as the registry loads it: manifest valid, config schema compiled. */
export function libraryBlock(folder: URL): RegisteredBlock {
  const dir = fileURLToPath(folder).replace(/\/$/, "");
  const { registry, diagnostics } = builtinRegistry();
  expect(diagnostics.filter((d) => d.file.startsWith(`${dir}/`))).toEqual([]);
  const block = registry.all().find((b) => b.dir === dir);
  expect(block, `no block loaded from ${dir}`).toBeDefined();
  return block!;
}
