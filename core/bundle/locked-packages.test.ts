// Native packages from a registry by the locked list: a local HTTP server stands for the registry,
// serving .tgz files packed from the installed packages (with a `package/` prefix, as npm packs).
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dengtaHome } from "../project-paths.ts";
import { UserError } from "../user-error.ts";
import { buildBundle } from "./build.ts";
import { lockedPackages, type LockedSource } from "./locked-packages.ts";
import { nativeFiles } from "./native.ts";
import { nativePackageList, type LockedPackage } from "./native-package-list.ts";

const home = dengtaHome();
const sample = join(home, "samples", "vision-inspection");
const tarballs = new Map<string, Uint8Array>();
let locked: LockedPackage[];
let registry: string;
let server: Server;
let requests = 0;
const cacheBefore = process.env.DENGTA_CACHE;

const temps: string[] = [];
const temp = (prefix: string) => temps[temps.push(mkdtempSync(join(tmpdir(), `dengta-${prefix}-`))) - 1]!;
const integrityOf = (bytes: Uint8Array) => `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** The installed package as npm would pack it: every file under package/. */
async function pack(name: string): Promise<Uint8Array> {
  const folder = join(home, "node_modules", name);
  const files = readdirSync(folder, { recursive: true, encoding: "utf8" }).filter((f) => !f.split("/").includes("node_modules") && statSync(join(folder, f)).isFile());
  const file = join(temp("pack"), "package.tgz");
  await create({ gzip: true, portable: true, cwd: folder, prefix: "package", file }, files);
  return readFileSync(file);
}

/** What the registry served for one build of the sample with `source`. */
async function buildSample(source: LockedSource) {
  const result = await buildBundle({ app: { file: join(sample, "vision-inspection.iapp.yaml") }, binding: { file: join(sample, "simulator.binding.yaml") }, outDir: join(temp("bundle"), "out"), target: "linux-x64", packages: source });
  return Object.fromEntries(Object.entries(result.bundle!.manifest.files).filter(([name]) => name.startsWith("node_modules/")));
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

/** A fresh cache for what follows, so that packages are downloaded again. */
function freshCache(): string {
  return (process.env.DENGTA_CACHE = temp("cache"));
}

beforeAll(async () => {
  const lock = JSON.parse(readFileSync(join(home, "package-lock.json"), "utf8"));
  // The linux-x64 closure of sharp, which is installed here; onnxruntime-node (288 MB) is left out.
  const sharpForX64 = nativePackageList(lock).filter((p) => !p.name.startsWith("onnxruntime") && !p.name.includes("arm64"));
  locked = [];
  for (const p of sharpForX64) {
    const bytes = await pack(p.name);
    tarballs.set(p.path, bytes);
    locked.push({ ...p, integrity: integrityOf(bytes) });
  }
  server = createServer((request, response) => {
    requests++;
    const body = tarballs.get(request.url ?? "");
    response.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(() => {
  server.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  if (cacheBefore === undefined) delete process.env.DENGTA_CACHE;
  else process.env.DENGTA_CACHE = cacheBefore;
});

describe("native packages from a registry by the locked list", () => {
  it("give a bundle the same node_modules/ as the installed packages, downloaded once", async () => {
    freshCache();
    const downloaded: string[] = [];
    const fromRegistry = await buildSample({ registry, locked, onDownload: (name) => downloaded.push(name) });
    const installed = await nativeFiles(["sharp"], "linux-x64");
    expect(Object.keys(fromRegistry)).toEqual([...installed.keys()]);
    for (const [name, file] of installed) expect([name, fromRegistry[name]!.sha256, fromRegistry[name]!.mode]).toEqual([name, sha256(file.bytes), file.mode]);
    expect(downloaded.sort()).toEqual(locked.map((p) => p.name).sort());

    const before = requests;
    expect(await buildSample({ registry, locked, onDownload: (name) => downloaded.push(name) })).toEqual(fromRegistry);
    expect(requests).toBe(before);
    expect(downloaded.length).toBe(locked.length);
  }, 120_000);

  it("never unpacks a package whose sha512 differs from the list's", async () => {
    const cache = freshCache();
    const tampered = locked.map((p) => p.name === "detect-libc" ? { ...p, integrity: integrityOf(Buffer.from("something else")) } : p);
    const error = await rejection(nativeFiles(["sharp"], "linux-x64", lockedPackages({ registry, locked: tampered })));
    const version = locked.find((p) => p.name === "detect-libc")!.version;
    expect(error.en).toContain(`detect-libc@${version}`);
    expect(error.zh).toContain(`detect-libc@${version}`);
    expect(error.zh).toMatch(/未解包/);
    expect(readdirSync(join(cache, "packages")).filter((f) => f.startsWith("detect-libc"))).toEqual([]);
  });

  it("names the registry when it answers 404", async () => {
    freshCache();
    const moved = locked.map((p) => p.name === "sharp" ? { ...p, path: "/sharp/-/sharp-0.0.0.tgz" } : p);
    const error = await rejection(nativeFiles(["sharp"], "linux-x64", lockedPackages({ registry, locked: moved })));
    expect(error.en).toContain(`the npm registry ${registry} answered 404`);
    expect(error.zh).toContain(`npm 仓库 ${registry}`);
    expect(error.zh).toContain("404");
  });

  it("names the registry it cannot reach and the setting that changes it", async () => {
    freshCache();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const nowhere = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const error = await rejection(nativeFiles(["sharp"], "linux-x64", lockedPackages({ registry: nowhere, locked })));
    for (const text of [error.en, error.zh]) {
      expect(text).toContain(nowhere);
      expect(text).toContain("ECONNREFUSED");
      expect(text).toContain("dengta.npmRegistry");
      expect(text).toContain("https://registry.npmmirror.com");
    }
  });

  it("refuses a package the list does not name", async () => {
    freshCache();
    const error = await rejection(nativeFiles(["sharp"], "linux-x64", lockedPackages({ registry, locked: locked.filter((p) => p.name !== "semver") })));
    expect(error.en).toMatch(/cannot carry semver into the bundle/);
    expect(error.zh).toMatch(/无法把 semver 放入边缘包/);
  });
});
