// The packages a bundle may carry beside main.js (native-rules.ts), for every target, pinned by the
// project's package-lock.json: what the extension, which has no node_modules, downloads from a
// registry instead (locked-packages.ts). The build script imports this file with Node's type
// stripping, so it keeps to erasable TypeScript and imports only other such files.
import { posix } from "node:path";
import { carriedDependencies, NATIVE_PACKAGES, type PackageDependencies } from "./native-rules.ts";
import { bundleTargets, type BundleTarget } from "./targets.ts";

export interface LockedPackage {
  name: string;
  version: string;
  /** Subresource Integrity of the .tgz, as in package-lock.json: "sha512-<base64>". */
  integrity: string;
  /** The .tgz under a registry's base URL: "/sharp/-/sharp-0.35.5.tgz". */
  path: string;
}

export interface PackageLock {
  packages: Record<string, LockEntry>;
}

interface LockEntry extends PackageDependencies {
  version?: string;
  integrity?: string;
  resolved?: string;
}

/** Every package carried for some target, sorted by name; one version of each, as node_modules/ holds. */
export function nativePackageList(lock: PackageLock): LockedPackage[] {
  const found = new Map<string, LockedPackage>();
  for (const target of bundleTargets) {
    for (const [name, key] of closure(lock, target)) {
      const locked = lockedPackage(name, key, lock.packages[key]!);
      const other = found.get(name);
      if (other && other.version !== locked.version) throw new Error(`package-lock.json has ${name} ${other.version} and ${locked.version}; a bundle's node_modules/ holds one`);
      found.set(name, locked);
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The lock's key (node_modules/…) of each package a bundle for `target` carries, by name. */
function closure(lock: PackageLock, target: BundleTarget): Map<string, string> {
  const keys = new Map<string, string>();
  const add = (name: string, from: string) => {
    if (keys.has(name)) return;
    const key = lockKey(lock, name, from);
    keys.set(name, key);
    for (const dependency of carriedDependencies(name, lock.packages[key]!, target)) add(dependency, key);
  };
  for (const name of Object.keys(NATIVE_PACKAGES).sort()) add(name, "");
  return keys;
}

/** Where Node would find `name` from the package at `from`, as native.ts looks in node_modules/. */
function lockKey(lock: PackageLock, name: string, from: string): string {
  for (let dir = from; ; dir = posix.dirname(dir)) {
    const key = posix.join(dir, "node_modules", name);
    if (lock.packages[key] !== undefined) return key;
    if (dir === "." || dir === "") throw new Error(`package-lock.json has no ${name} (needed from ${from || "the project"}); run npm install`);
  }
}

function lockedPackage(name: string, key: string, entry: LockEntry): LockedPackage {
  if (entry.version === undefined || entry.integrity === undefined) throw new Error(`package-lock.json gives no version or integrity for ${key}`);
  return { name, version: entry.version, integrity: entry.integrity, path: tarballPath(name, entry.version, entry.resolved) };
}

/** The path from the lock's `resolved` URL, else the npm registry's own layout (a lock may omit `resolved`). */
function tarballPath(name: string, version: string, resolved: string | undefined): string {
  const pathname = resolved === undefined ? "" : new URL(resolved).pathname;
  const at = pathname.indexOf(`/${name}/-/`);
  return at >= 0 ? pathname.slice(at) : `/${name}/-/${name.split("/").pop()}-${version}.tgz`;
}
