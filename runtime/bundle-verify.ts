// Checks a bundle before it runs: every file as the manifest lists it, signed by a key this box trusts.
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const MANIFEST_FILE = "manifest.json";
export const SIGNATURE_FILE = "signature.json";
/** Where a running bundle keeps its data by default; not part of what is signed. */
export const DATA_FOLDER = "data";

export interface BundleManifest {
  dengta: 1;
  app: { id: string; version: string; title: { en: string; "zh-CN": string } };
  target: string;
  node: string;
  bundledNode?: string;
  blocks: string[];
  files: Record<string, { sha256: string; size: number; mode?: "644" | "755" }>;
}

export interface BundleSignature {
  algorithm: "ed25519";
  keyId: string;
  /** Base64 ed25519 signature of the exact bytes of manifest.json. */
  signature: string;
}

export interface BundleProblem {
  en: string;
  "zh-CN": string;
}

export interface TrustedKey {
  keyId: string;
  key: KeyObject;
  source: string;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A short, stable name for a public key: the first 16 hex digits of its SPKI's SHA-256. */
export function keyIdOf(key: KeyObject): string {
  return sha256(key.export({ type: "spki", format: "der" })).slice(0, 16);
}

export function trustedKeyFromPem(pem: string, source: string): TrustedKey {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`${source} is not an ed25519 public key`);
  return { keyId: keyIdOf(key), key, source };
}

/** Keys from each file given, and from every *.pub file in each folder given. */
export function loadTrustedKeys(paths: readonly string[]): { keys: TrustedKey[]; problems: BundleProblem[] } {
  const keys: TrustedKey[] = [];
  const problems: BundleProblem[] = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const files = statSync(path).isDirectory()
      ? readdirSync(path).filter((f) => f.endsWith(".pub")).sort().map((f) => join(path, f))
      : [path];
    for (const file of files) {
      try {
        keys.push(trustedKeyFromPem(readFileSync(file, "utf8"), file));
      } catch (error) {
        problems.push(problem(`cannot read trusted key ${file}: ${(error as Error).message}`, `无法读取受信任公钥 ${file}：${(error as Error).message}`));
      }
    }
  }
  return { keys, problems };
}

/** Everything wrong with a bundle folder; an empty list means it may run. */
export function verifyBundle(dir: string, options: { trustedKeys: readonly TrustedKey[]; allowUnsigned?: boolean }): BundleProblem[] {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return [problem(`${MANIFEST_FILE} is missing: this is not a Dengta bundle`, `缺少 ${MANIFEST_FILE}：这不是灯塔边缘包`)];
  const manifestBytes = readFileSync(manifestPath);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString("utf8")) as BundleManifest;
    if (typeof manifest.files !== "object" || manifest.files === null) throw new Error("no file list");
  } catch (error) {
    return [problem(`${MANIFEST_FILE} is damaged: ${(error as Error).message}`, `${MANIFEST_FILE} 已损坏：${(error as Error).message}`)];
  }
  return [...checkFiles(dir, manifest), ...checkSignature(dir, manifestBytes, options)];
}

function checkFiles(dir: string, manifest: BundleManifest): BundleProblem[] {
  const problems: BundleProblem[] = [];
  for (const [name, expected] of Object.entries(manifest.files)) {
    if (name.startsWith("/") || name.split("/").includes("..")) {
      problems.push(problem(`the manifest names a file outside the bundle: ${name}`, `清单中的文件位于包外：${name}`));
      continue;
    }
    const path = join(dir, name);
    if (!existsSync(path)) {
      problems.push(problem(`file missing: ${name}`, `文件缺失：${name}`));
    } else if (sha256(readFileSync(path)) !== expected.sha256) {
      problems.push(problem(`file changed since it was signed: ${name}`, `文件在签名后被修改：${name}`));
    }
  }
  for (const name of filesIn(dir)) {
    if (!Object.hasOwn(manifest.files, name) && name !== MANIFEST_FILE && name !== SIGNATURE_FILE) {
      problems.push(problem(`file not in the manifest: ${name}`, `清单之外的文件：${name}`));
    }
  }
  return problems;
}

function checkSignature(dir: string, manifestBytes: Buffer, options: { trustedKeys: readonly TrustedKey[]; allowUnsigned?: boolean }): BundleProblem[] {
  const signaturePath = join(dir, SIGNATURE_FILE);
  if (!existsSync(signaturePath)) {
    if (options.allowUnsigned) return [];
    return [problem("the bundle is not signed; sign it with `dengta build --key`, or allow unsigned bundles explicitly",
      "该包未签名；请用 `dengta build --key` 签名，或明确允许未签名的包")];
  }
  let signature: BundleSignature;
  try {
    signature = JSON.parse(readFileSync(signaturePath, "utf8")) as BundleSignature;
  } catch (error) {
    return [problem(`${SIGNATURE_FILE} is damaged: ${(error as Error).message}`, `${SIGNATURE_FILE} 已损坏：${(error as Error).message}`)];
  }
  const trusted = options.trustedKeys.find((k) => k.keyId === signature.keyId);
  if (trusted === undefined) {
    const known = options.trustedKeys.map((k) => k.keyId).join(", ") || "none";
    return [problem(`signed by key ${signature.keyId}, which this box does not trust (trusted: ${known})`,
      `签名密钥 ${signature.keyId} 不受本机信任（受信任的密钥：${known === "none" ? "无" : known}）`)];
  }
  const valid = signature.algorithm === "ed25519" && verify(null, manifestBytes, trusted.key, Buffer.from(String(signature.signature), "base64"));
  if (!valid) return [problem(`the signature does not match ${MANIFEST_FILE} for key ${signature.keyId}`, `签名与 ${MANIFEST_FILE} 不符（密钥 ${signature.keyId}）`)];
  return [];
}

/** Every file under the bundle, as a forward-slash path, leaving out the data folder. */
export function filesIn(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const name = relative(dir, path).split(sep).join("/");
      if (name === DATA_FOLDER) continue;
      if (entry.isDirectory()) walk(path);
      else found.push(name);
    }
  };
  walk(dir);
  return found.sort();
}

function problem(en: string, zh: string): BundleProblem {
  return { en, "zh-CN": zh };
}
