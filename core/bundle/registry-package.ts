// A package from the npm registry, unpacked once into the machine's cache (~/.cache/dengta, or
// $DENGTA_CACHE) outside any project: what a bundle carries for a box that is not this machine.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { extract } from "tar";
import { UserError } from "../user-error.ts";

const run = promisify(execFile);

/** The unpacked folder of `name@version`; `done` names a file that shows the cache is complete. */
export async function registryPackage(name: string, version: string, done = "package.json"): Promise<string> {
  const cacheRoot = process.env.DENGTA_CACHE ?? join(homedir(), ".cache", "dengta");
  const cacheDir = name.startsWith("node-linux-")
    ? join(cacheRoot, "node", `${name.slice("node-".length)}-${version}`)
    : join(cacheRoot, "packages", `${name.replace("/", "+")}@${version}`);
  if (existsSync(join(cacheDir, done))) return cacheDir;
  mkdirSync(dirname(cacheDir), { recursive: true });
  const work = mkdtempSync(`${cacheDir}.download-`);
  try {
    const spec = `${name}@${version}`;
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
  return cacheDir;
}
