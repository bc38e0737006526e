import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { extract } from "tar";
import { UserError } from "../user-error.ts";
import type { BundleTarget } from "./targets.ts";

const run = promisify(execFile);

/**
 * The Node binary for a target, from the registry's node-linux-<arch> package, cached per
 * version outside any project so a machine downloads it once.
 */
export async function nodeBinaryFor(target: BundleTarget, version: string): Promise<string> {
  const cacheDir = join(process.env.DENGTA_CACHE ?? join(homedir(), ".cache", "dengta"), "node", `${target}-${version}`);
  const binary = join(cacheDir, "bin", "node");
  if (existsSync(binary)) return binary;
  mkdirSync(dirname(cacheDir), { recursive: true });
  const work = mkdtempSync(`${cacheDir}.download-`);
  try {
    const spec = `node-${target}@${version}`;
    await run("npm", ["pack", spec, "--pack-destination", work, "--silent"], { maxBuffer: 1 << 20 }).catch((error: Error) => {
      throw new UserError(`cannot download ${spec} from the npm registry: ${error.message.split("\n")[0]}`,
        `无法从 npm 仓库下载 ${spec}：${error.message.split("\n")[0]}`);
    });
    const tgz = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
    const unpacked = join(work, "unpacked");
    mkdirSync(unpacked);
    await extract({ file: join(work, tgz), cwd: unpacked, strip: 1 });
    rmSync(cacheDir, { recursive: true, force: true });
    renameSync(unpacked, cacheDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}
