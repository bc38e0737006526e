// Which packages a bundle carries beside main.js, and which of their dependencies: one set of
// rules for the installed node_modules (native.ts) and for the package-lock.json the extension's
// list is made from (native-package-list.ts). The build script imports this file with Node's type
// stripping, so it keeps to erasable TypeScript and imports nothing.
import type { BundleTarget } from "./targets.ts";

/** What main.js leaves to node_modules/, and which of each package's files a box needs. */
export const NATIVE_PACKAGES: Record<string, NativeRule> = {
  sharp: { skip: /^(src|install)\//, dependencies: "all" },
  // Its other dependencies serve the install script (the CUDA download), not the library.
  "onnxruntime-node": { skip: /^(script|lib)\/|^bin\/napi-v\d+\/(?!linux\/)|\.(d\.ts|js\.map)$/, dependencies: ["onnxruntime-common"], perArch: /^bin\/napi-v\d+\/linux\/([^/]+)\// },
};

export interface NativeRule {
  /** Package files a box never needs. */
  skip: RegExp;
  dependencies: "all" | string[];
  /** Files under a folder named for an architecture: only the target's are kept. */
  perArch?: RegExp;
}

/** The fields of a package.json, or of a package-lock.json entry, that the rules read. */
export interface PackageDependencies {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The packages `name` brings along into a bundle for `target`. */
export function carriedDependencies(name: string, pkg: PackageDependencies, target: BundleTarget): string[] {
  const rule = NATIVE_PACKAGES[name];
  const all = Object.keys(pkg.dependencies ?? {});
  const required = rule === undefined || rule.dependencies === "all" ? all : rule.dependencies;
  return [...required, ...Object.keys(pkg.optionalDependencies ?? {}).filter((optional) => forTarget(optional, target))];
}

export function arch(target: BundleTarget): string {
  return target === "linux-arm64" ? "arm64" : "x64";
}

/** An optional dependency is a platform binary: its name says which (sharp's @img/sharp-linux-x64). */
export function forTarget(name: string, target: BundleTarget): boolean {
  return new RegExp(`-linux-${arch(target)}$`).test(name);
}
