import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { keyIdOf, type BundleSignature } from "../../runtime/bundle-verify.ts";
import { UserError } from "../user-error.ts";

export interface SigningKey {
  privateKey: KeyObject;
  keyId: string;
}

/** Writes `<prefix>.key` (private, mode 0600) and `<prefix>.pub`; refuses to overwrite a key. */
export function generateSigningKey(prefix: string): { keyFile: string; publicFile: string; keyId: string } {
  const keyFile = `${prefix}.key`;
  const publicFile = `${prefix}.pub`;
  for (const file of [keyFile, publicFile]) {
    if (existsSync(file)) throw new UserError(`${file} exists; a key is never overwritten`, `${file} 已存在；密钥不会被覆盖`);
  }
  mkdirSync(dirname(keyFile), { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(publicFile, publicKey.export({ type: "spki", format: "pem" }));
  return { keyFile, publicFile, keyId: keyIdOf(publicKey) };
}

/** The publisher's private key: a PEM file, or the PEM text itself (e.g. from a CI secret). */
export function readSigningKey(source: { file?: string; pem?: string }): SigningKey {
  const pem = source.pem ?? readFileSync(source.file!, "utf8");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new UserError(`cannot read the signing key: ${(error as Error).message}`, `无法读取签名私钥：${(error as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new UserError("the signing key must be an ed25519 key (dengta keygen)", "签名私钥必须是 ed25519 密钥（dengta keygen）");
  return { privateKey, keyId: keyIdOf(createPublicKey(privateKey)) };
}

export function signManifest(manifestBytes: Uint8Array, key: SigningKey): BundleSignature {
  return { algorithm: "ed25519", keyId: key.keyId, signature: sign(null, manifestBytes, key.privateKey).toString("base64") };
}
