import { join } from "node:path";
import { registryPackage } from "./registry-package.ts";
import type { BundleTarget } from "./targets.ts";

/**
 * The Node binary for a target, from the registry's node-linux-<arch> package, cached per
 * version outside any project so a machine downloads it once.
 */
export async function nodeBinaryFor(target: BundleTarget, version: string): Promise<string> {
  return join(await registryPackage(`node-${target}`, version, join("bin", "node")), "bin", "node");
}
