// The list the extension ships (native-packages.json): what a bundle may carry, pinned by the lock.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dengtaHome } from "../project-paths.ts";
import { nativePackageList, type PackageLock } from "./native-package-list.ts";

const lock = JSON.parse(readFileSync(join(dengtaHome(), "package-lock.json"), "utf8")) as PackageLock;

describe("the list of native packages from package-lock.json", () => {
  it("names sharp and onnxruntime-node with what they bring for both targets, at the lock's versions", () => {
    const list = nativePackageList(lock);
    const carried = ["sharp", "@img/sharp-linux-x64", "@img/sharp-linux-arm64", "@img/sharp-libvips-linux-x64", "@img/sharp-libvips-linux-arm64", "onnxruntime-node", "onnxruntime-common"];
    for (const name of carried) {
      const entry = lock.packages[`node_modules/${name}`]!;
      expect(list.find((p) => p.name === name)).toEqual({ name, version: entry.version, integrity: entry.integrity, path: expect.stringMatching(new RegExp(`^/${name}/-/[^/]+-${entry.version}\\.tgz$`)) });
    }
    expect(list.every((p) => /^sha512-[A-Za-z0-9+/]+=*$/.test(p.integrity))).toBe(true);
    // Other platforms' binaries, and what only onnxruntime-node's install script needs, stay out.
    expect(list.filter((p) => /darwin|win32|musl|wasm|ppc64|s390x|riscv64|linux-arm$|^adm-zip$|^global-agent$/.test(p.name))).toEqual([]);
    expect(list.find((p) => p.name === "sharp")!.path).toBe(`/sharp/-/sharp-${lock.packages["node_modules/sharp"]!.version}.tgz`);
  });

  it("follows a nested dependency and takes the tarball's path from `resolved`", () => {
    const entry = (version: string, more: object = {}) => ({ version, integrity: `sha512-${version}`, ...more });
    const list = nativePackageList({
      packages: {
        "": {},
        "node_modules/sharp": entry("1.0.0", { dependencies: { semver: "^7" }, optionalDependencies: { "@img/sharp-linux-x64": "1.0.0", "@img/sharp-darwin-x64": "1.0.0" }, resolved: "https://registry.npmmirror.com/sharp/-/sharp-1.0.0.tgz" }),
        "node_modules/sharp/node_modules/semver": entry("7.1.0"),
        "node_modules/semver": entry("6.0.0"),
        "node_modules/@img/sharp-linux-x64": entry("1.0.0"),
        "node_modules/@img/sharp-darwin-x64": entry("1.0.0"),
        "node_modules/onnxruntime-node": entry("2.0.0", { dependencies: { "onnxruntime-common": "2.0.0", "adm-zip": "^1" } }),
        "node_modules/onnxruntime-common": entry("2.0.0"),
      },
    });
    expect(list.map((p) => `${p.name}@${p.version} ${p.path}`)).toEqual([
      "@img/sharp-linux-x64@1.0.0 /@img/sharp-linux-x64/-/sharp-linux-x64-1.0.0.tgz",
      "onnxruntime-common@2.0.0 /onnxruntime-common/-/onnxruntime-common-2.0.0.tgz",
      "onnxruntime-node@2.0.0 /onnxruntime-node/-/onnxruntime-node-2.0.0.tgz",
      "semver@7.1.0 /semver/-/semver-7.1.0.tgz",
      "sharp@1.0.0 /sharp/-/sharp-1.0.0.tgz",
    ]);
  });
});
