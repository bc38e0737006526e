import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BundleApp } from "../../runtime/bundle-app.ts";
import { DATA_FOLDER, MANIFEST_FILE, SIGNATURE_FILE, sha256, type BundleManifest } from "../../runtime/bundle-verify.ts";
import type { CheckedApp } from "../check-app.ts";
import type { Diagnostic } from "../diagnostics.ts";
import type { BlockRegistry } from "../registry.ts";
import { UserError } from "../user-error.ts";
import { validateApp, type AppInput } from "../validate.ts";
import { deployFiles } from "./deploy.ts";
import { compileMain } from "./entry.ts";
import { lockedPackages, type LockedSource } from "./locked-packages.ts";
import { nativeFiles } from "./native.ts";
import { nodeBinaryFor } from "./node-binary.ts";
import { signManifest, type SigningKey } from "./signing.ts";
import { writeTarball } from "./tarball.ts";
import { BUNDLED_NODE_VERSION, REQUIRED_NODE, type BundleTarget } from "./targets.ts";

export interface BuildOptions {
  app: AppInput;
  binding?: AppInput;
  outDir: string;
  target: BundleTarget;
  withNode?: boolean;
  signingKey?: SigningKey;
  registry?: BlockRegistry;
  /** Native packages from this registry and list instead of the installed node_modules (the extension has none). */
  packages?: LockedSource;
}

export interface BuildResult {
  diagnostics: Diagnostic[];
  /** Present when the bundle was written. */
  bundle?: { dir: string; tarball: string; manifest: BundleManifest; signedBy: string | undefined };
}

type FileSet = Map<string, { bytes: Uint8Array; mode: "644" | "755" }>;

/** Validates, then writes the bundle folder and its .tgz; the same inputs give the same bytes. */
export async function buildBundle(options: BuildOptions): Promise<BuildResult> {
  const checked = validateApp(options.app, { binding: options.binding, registry: options.registry, bindingRequired: true });
  if (checked.app === undefined) return { diagnostics: checked.diagnostics };
  const app = checked.app;
  const files: FileSet = new Map();
  const add = (name: string, content: Uint8Array | string, mode: "644" | "755" = "644") =>
    files.set(name, { bytes: typeof content === "string" ? Buffer.from(content) : content, mode });

  const compiled = await compileMain(app.nodes.map((n) => n.block));
  add("main.js", compiled.main);
  for (const [name, file] of await nativeFiles(compiled.native, options.target, options.packages && lockedPackages(options.packages))) add(name, file.bytes, file.mode);
  add("package.json", json({ name: `dengta-${app.document.app.id}`, version: app.document.app.version, private: true, type: "commonjs", main: "main.js", engines: { node: REQUIRED_NODE } }));
  add("app.json", json(bundleApp(app)));
  add("binding.json", json(app.binding ?? null));
  add("README.txt", readme(app));
  const deploy = { appId: app.document.app.id, version: app.document.app.version, titleEn: app.document.app.title.en, target: options.target, withNode: options.withNode === true, secrets: secretNames(app) };
  for (const [name, text] of Object.entries(deployFiles(deploy))) add(name, text);
  if (options.withNode) {
    const binary = await nodeBinaryFor(options.target, BUNDLED_NODE_VERSION);
    add("node/bin/node", readFileSync(binary), "755");
    add("node/LICENSE", readFileSync(join(dirname(binary), "..", "LICENSE")));
  }

  const manifest = manifestFor(app, options, files);
  const manifestBytes = Buffer.from(json(manifest));
  prepareOutDir(options.outDir);
  for (const [name, file] of files) writeBundleFile(options.outDir, name, file.bytes, file.mode);
  writeBundleFile(options.outDir, MANIFEST_FILE, manifestBytes, "644");
  if (options.signingKey) writeBundleFile(options.outDir, SIGNATURE_FILE, Buffer.from(json(signManifest(manifestBytes, options.signingKey))), "644");
  const all = [...files.keys(), MANIFEST_FILE, ...(options.signingKey ? [SIGNATURE_FILE] : [])];
  const tarball = `${options.outDir.replace(/\/+$/, "")}.tgz`;
  await writeTarball(options.outDir, all, app.document.app.id, tarball);
  return { diagnostics: checked.diagnostics, bundle: { dir: options.outDir, tarball, manifest, signedBy: options.signingKey?.keyId } };
}

function bundleApp(app: CheckedApp): BundleApp {
  const doc = app.document;
  return {
    dengta: 1,
    app: { id: doc.app.id, version: doc.app.version, title: doc.app.title },
    parameters: app.parameters,
    signals: Object.fromEntries(Object.entries(doc.signals ?? {}).map(([name, s]) => [name, { type: s.type, direction: s.direction, ...(s.unit ? { unit: s.unit } : {}) }])),
    nodes: app.nodes.map((n) => {
      const queue = n.spec.queue ?? n.block.manifest.queue;
      return { id: n.id, block: n.block.key, config: n.config, outputs: Object.keys(n.block.manifest.outputs), ...(queue ? { queue } : {}) };
    }),
    edges: app.edges.map((e) => ({ from: e.from, to: e.to })),
  };
}

function manifestFor(app: CheckedApp, options: BuildOptions, files: FileSet): BundleManifest {
  const entries = [...files.entries()].sort(([a], [b]) => a.localeCompare(b));
  const blocks = [...new Set(app.nodes.map((n) => `${n.block.manifest.id}@${n.block.manifest.version}`))].sort();
  return {
    dengta: 1,
    app: { id: app.document.app.id, version: app.document.app.version, title: app.document.app.title },
    target: options.target,
    node: REQUIRED_NODE,
    ...(options.withNode ? { bundledNode: BUNDLED_NODE_VERSION } : {}),
    blocks,
    files: Object.fromEntries(entries.map(([name, f]) => [name, { sha256: sha256(f.bytes), size: f.bytes.length, mode: f.mode }])),
  };
}

/** Only an empty folder or an earlier bundle is replaced: never a folder of the user's. */
function prepareOutDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, MANIFEST_FILE))) {
    throw new UserError(`${dir} is not empty and is not a bundle; choose another --out`, `${dir} 不是空目录，也不是边缘包；请换一个 --out`);
  }
  for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
    if (entry !== DATA_FOLDER) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

function writeBundleFile(dir: string, name: string, bytes: Uint8Array, mode: "644" | "755"): void {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  chmodSync(path, mode === "755" ? 0o755 : 0o644);
}

/** Secrets the binding's endpoints and the blocks' config refer to (`{ secret: name }`). */
function secretNames(app: CheckedApp): string[] {
  const names = new Set<string>();
  for (const endpoint of Object.values(app.binding?.endpoints ?? {})) {
    if (endpoint.user) names.add(endpoint.user.password.secret);
    if (endpoint.certificate) names.add(endpoint.certificate.key.secret);
  }
  for (const node of app.nodes) addSecretRefs(node.config, names);
  return [...names].sort();
}

function addSecretRefs(value: unknown, names: Set<string>): void {
  if (typeof value !== "object" || value === null) return;
  const { secret } = value as { secret?: unknown };
  if (typeof secret === "string" && Object.keys(value).length === 1) names.add(secret);
  for (const item of Object.values(value)) addSecretRefs(item, names);
}

function readme(app: CheckedApp): string {
  const a = app.document.app;
  return `${a.title.en} / ${a.title["zh-CN"]} (${a.id} ${a.version})

Run on a box with Node.js ${REQUIRED_NODE} (or node/bin/node when the bundle carries it):
  node main.js --trust-key /etc/dengta/trusted-keys
  node main.js --help
Install as a service: deploy/dengta-${a.id}.service (systemd), deploy/Dockerfile, deploy/kubernetes.yaml.
Every file is listed with its SHA-256 in manifest.json; a changed file stops the bundle from starting.

在装有 Node.js ${REQUIRED_NODE} 的盒子上运行（包内自带 node/bin/node 时也可用它）：
  node main.js --trust-key /etc/dengta/trusted-keys
  node main.js --help
安装为服务：deploy/dengta-${a.id}.service（systemd）、deploy/Dockerfile、deploy/kubernetes.yaml。
manifest.json 列出每个文件的 SHA-256；任何文件被修改，包都会拒绝启动。
`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
