// Packages with native code cannot be compiled into main.js: a bundle that uses one carries it in
// node_modules/, with the prebuilt binaries for its target only (linux-x64 or linux-arm64, glibc).
// A binary package for another architecture than this machine's is fetched from the npm registry
// (`npm pack`, cached in ~/.cache/dengta), as --with-node does for Node itself. The extension, which
// has no node_modules, takes every package from the registry instead (locked-packages.ts).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { dengtaHome } from "../project-paths.ts";
import { UserError } from "../user-error.ts";
import { arch, carriedDependencies, forTarget, NATIVE_PACKAGES, type NativeRule, type PackageDependencies } from "./native-rules.ts";
import { registryPackage } from "./registry-package.ts";
import type { BundleTarget } from "./targets.ts";

export interface BundleFile {
  bytes: Uint8Array;
  mode: "644" | "755";
}

interface PackageJson extends PackageDependencies {
  name: string;
  version: string;
}

/** Finds a package's folder; `from` is the folder of the package that needs it. */
export type PackageSource = (name: string, from: string, target: BundleTarget) => Promise<string>;

/** node_modules/… files for the native packages `used`, for `target`, with the packages from `source`. */
export async function nativeFiles(used: readonly string[], target: BundleTarget, source: PackageSource = installedPackage): Promise<Map<string, BundleFile>> {
  const files = new Map<string, BundleFile>();
  const seen = new Set<string>();
  const add = async (name: string, from: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const folder = await source(name, from, target);
    const pkg = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as PackageJson;
    const rule = NATIVE_PACKAGES[name];
    for (const file of filesOf(folder)) {
      if (rule && (rule.skip.test(file) || archOf(rule, file) !== undefined && archOf(rule, file) !== arch(target))) continue;
      if (/(^|\/)(README|CHANGELOG)[^/]*$/i.test(file)) continue;
      const path = join(folder, file);
      files.set(`node_modules/${name}/${file}`, { bytes: readFileSync(path), mode: (statSync(path).mode & 0o111) !== 0 ? "755" : "644" });
    }
    for (const dependency of carriedDependencies(name, pkg, target)) await add(dependency, folder);
  };
  for (const name of [...used].sort()) await add(name, dengtaHome());
  return new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function archOf(rule: NativeRule, file: string): string | undefined {
  return rule.perArch?.exec(file)?.[1];
}

/** Where Node would find the package from `from`: node_modules/ here or in a folder above (a package's "exports" may hide its package.json from require.resolve). */
function installedFolder(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const folder = join(dir, "node_modules", name);
    if (existsSync(join(folder, "package.json"))) return folder;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The package's folder: installed here, or (a binary for another architecture) from the registry. */
export async function installedPackage(name: string, from: string, target: BundleTarget): Promise<string> {
  const installed = installedFolder(name, from);
  if (installed !== undefined) return installed;
  if (!forTarget(name, target)) {
    throw new UserError(`cannot carry ${name} into the bundle: it is not installed (npm install)`, `无法把 ${name} 放入边缘包：它尚未安装（请运行 npm install）`);
  }
  return registryPackage(name, requiredVersion(name, from));
}

function requiredVersion(name: string, from: string): string {
  const pkg = JSON.parse(readFileSync(join(from, "package.json"), "utf8")) as PackageJson;
  const range = pkg.optionalDependencies?.[name] ?? pkg.dependencies?.[name];
  if (range === undefined || !/^\d+\.\d+\.\d+$/.test(range)) throw new UserError(`no exact version of ${name} in ${pkg.name}`, `${pkg.name} 未给出 ${name} 的确切版本`);
  return range;
}

/** Every file under `folder`, as sorted paths relative to it, without nested node_modules. */
function filesOf(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((file) => !file.split("/").includes("node_modules") && statSync(join(folder, file)).isFile())
    .map((file) => relative(folder, join(folder, file)).split("\\").join("/"))
    .sort();
}
