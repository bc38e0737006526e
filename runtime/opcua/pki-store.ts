// The bundle's own OPC UA trust list on disk, the layout node-opcua uses: pki/trusted/certs and
// pki/rejected. Plain file moves, so the `dengta pki` command works without loading node-opcua.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describeCertificate, type CertificateInfo } from "./certificate-info.ts";
import { OpcuaError, text } from "./text.ts";

export type TrustState = "trusted" | "rejected";

export interface StoredCertificate extends CertificateInfo {
  state: TrustState;
  file: string;
}

export function pkiFolder(dataDir: string): string {
  return join(dataDir, "pki");
}

function folderOf(dataDir: string, state: TrustState): string {
  return state === "trusted" ? join(pkiFolder(dataDir), "trusted", "certs") : join(pkiFolder(dataDir), "rejected");
}

export function listCertificates(dataDir: string): StoredCertificate[] {
  return (["trusted", "rejected"] as const).flatMap((state) => certificatesIn(dataDir, state));
}

function certificatesIn(dataDir: string, state: TrustState): StoredCertificate[] {
  const folder = folderOf(dataDir, state);
  if (!existsSync(folder)) return [];
  const result: StoredCertificate[] = [];
  for (const name of readdirSync(folder).sort()) {
    if (!/\.(pem|der)$/i.test(name)) continue;
    const file = join(folder, name);
    try {
      result.push({ ...describeCertificate(readFileSync(file)), state, file });
    } catch {
      // A file that is not a certificate is left alone: node-opcua skips it too.
    }
  }
  return result;
}

/** Moves a certificate into `state`; a thumbprint may be shortened to a unique prefix of 8+ digits. */
export function moveCertificate(dataDir: string, thumbprint: string, state: TrustState): StoredCertificate {
  const found = findCertificate(dataDir, thumbprint);
  if (found.state === state) return found;
  const target = folderOf(dataDir, state);
  mkdirSync(target, { recursive: true });
  const file = join(target, found.file.split(/[\\/]/).pop()!);
  renameSync(found.file, file);
  return { ...found, state, file };
}

export function findCertificate(dataDir: string, thumbprint: string): StoredCertificate {
  const wanted = thumbprint.replaceAll(":", "").toLowerCase();
  if (!/^[0-9a-f]{8,40}$/.test(wanted)) {
    throw new OpcuaError(text(
      `'${thumbprint}' is not a thumbprint: give the 40 hex digits shown by 'dengta pki list' (at least the first 8)`,
      `'${thumbprint}' 不是证书指纹：请给出 'dengta pki list' 显示的 40 位十六进制数字（至少前 8 位）`,
    ));
  }
  const matches = listCertificates(dataDir).filter((c) => c.thumbprint.startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new OpcuaError(text(
      `no certificate with thumbprint ${wanted} in ${pkiFolder(dataDir)}`,
      `${pkiFolder(dataDir)} 中没有指纹为 ${wanted} 的证书`,
    ));
  }
  throw new OpcuaError(text(
    `${matches.length} certificates start with ${wanted}: give more digits`,
    `有 ${matches.length} 个证书的指纹以 ${wanted} 开头：请多给几位`,
  ));
}
