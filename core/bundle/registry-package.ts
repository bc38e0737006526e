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
  return cachedPackage(name, version, async (work) => {
    const spec = `${name}@${version}`;
    await run("npm", ["pack", spec, "--pack-destination", work, "--silent"], { maxBuffer: 1 << 20 }).catch((error: Error) => {
      throw new UserError(`cannot download ${spec} from the npm registry: ${error.message.split("\n")[0]}`,
        `无法从 npm 仓库下载 ${spec}：${error.message.split("\n")[0]}`);
    });
    return join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);
  }, done);
}

/**
 * The cache's folder of `name@version`, unpacked on first use from the .tgz that `download` puts
 * in a scratch folder; renamed into place whole, so an interrupted download leaves no half package.
 */
export async function cachedPackage(name: string, version: string, download: (work: string) => Promise<string>, done = "package.json"): Promise<string> {
  const cacheDir = packageCacheDir(name, version);
  if (existsSync(join(cacheDir, done))) return cacheDir;
  mkdirSync(dirname(cacheDir), { recursive: true });
  const work = mkdtempSync(`${cacheDir}.download-`);
  try {
    const tgz = await download(work);
    const unpacked = join(work, "unpacked");
    mkdirSync(unpacked);
    await extract({ file: tgz, cwd: unpacked, strip: 1 });
    rmSync(cacheDir, { recursive: true, force: true });
    renameSync(unpacked, cacheDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return cacheDir;
}

function packageCacheDir(name: string, version: string): string {
  const cacheRoot = process.env.DENGTA_CACHE ?? join(homedir(), ".cache", "dengta");
  return name.startsWith("node-linux-")
    ? join(cacheRoot, "node", `${name.slice("node-".length)}-${version}`)
    : join(cacheRoot, "packages", `${name.replace("/", "+")}@${version}`);
}
