// Native packages in a bundle: carried in node_modules/ with the target's binaries only, and
// loadable from there by a plain Node with no npm install.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { nativeFiles, type BundleFile } from "../../core/bundle/native.ts";
import { root, tempDir } from "../support/cli.ts";

function writeAll(files: Map<string, BundleFile>): string {
  const dir = tempDir("native");
  for (const [name, file] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), file.bytes, { mode: file.mode === "755" ? 0o755 : 0o644 });
  }
  return dir;
}

/** ELF e_machine: 0x3e x86-64, 0xb7 AArch64. */
function machineOf(bytes: Uint8Array): number {
  return Buffer.from(bytes).readUInt16LE(18);
}

describe("native packages in a bundle", () => {
  it("carries sharp with the linux-x64 binaries only, and it encodes an image from there", async () => {
    const files = await nativeFiles(["sharp"], "linux-x64");
    const names = [...files.keys()];
    expect(names).toContain("node_modules/sharp/package.json");
    const binding = names.find((n) => /^node_modules\/@img\/sharp-linux-x64\/lib\/.*\.node$/.test(n));
    expect(binding).toBeDefined();
    expect(machineOf(files.get(binding!)!.bytes)).toBe(0x3e);
    expect(names.some((n) => n.startsWith("node_modules/@img/sharp-libvips-linux-x64/lib/libvips"))).toBe(true);
    expect(names.filter((n) => /darwin|win32|arm64|musl|wasm/.test(n))).toEqual([]);
    const dir = writeAll(files);
    const script = `require("sharp")(Buffer.alloc(64 * 48, 128), { raw: { width: 64, height: 48, channels: 1 } }).png().toBuffer().then((b) => process.stdout.write(b.subarray(1, 4).toString()))`;
    expect(execFileSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8" })).toBe("PNG");
  }, 60_000);

  it("carries onnxruntime-node with only the target's library and what the library requires", async () => {
    const files = await nativeFiles(["onnxruntime-node"], "linux-x64");
    const names = [...files.keys()];
    expect(names.some((n) => /bin\/napi-v\d+\/linux\/x64\/onnxruntime_binding\.node$/.test(n))).toBe(true);
    expect(names.filter((n) => /\/(arm64|darwin|win32)\//.test(n) || n.startsWith("node_modules/adm-zip/"))).toEqual([]);
    expect(names).toContain("node_modules/onnxruntime-common/package.json");
    const dir = writeAll(files);
    expect(execFileSync(process.execPath, ["-e", `process.stdout.write(typeof require("onnxruntime-node").InferenceSession.create)`], { cwd: dir, encoding: "utf8" })).toBe("function");
  }, 60_000);

  it("fetches sharp's linux-arm64 binaries from the registry for an arm64 box", async () => {
    const files = await nativeFiles(["sharp"], "linux-arm64");
    const binding = [...files.keys()].find((n) => /^node_modules\/@img\/sharp-linux-arm64\/lib\/.*\.node$/.test(n));
    expect(binding).toBeDefined();
    expect(machineOf(files.get(binding!)!.bytes)).toBe(0xb7);
    expect([...files.keys()].filter((n) => n.includes("linux-x64"))).toEqual([]);
    expect([...files.keys()].some((n) => n.startsWith("node_modules/@img/sharp-libvips-linux-arm64/lib/libvips"))).toBe(true);
    // The version sharp asks for, not whatever the registry has now.
    const wanted = JSON.parse(readFileSync(join(root, "node_modules", "sharp", "package.json"), "utf8")).optionalDependencies["@img/sharp-linux-arm64"];
    expect(JSON.parse(Buffer.from(files.get("node_modules/@img/sharp-linux-arm64/package.json")!.bytes).toString()).version).toBe(wanted);
  }, 180_000);
});
