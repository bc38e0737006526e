// Whether the Devices view trusts an OPC UA server's certificate, kept in the PKI folder the
// client's certificate manager reads: <pkiDir>/trusted/certs and <pkiDir>/rejected.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeCertificate, firstCertificate, type CertificateInfo } from "../../../../runtime/opcua/certificate-info.ts";
import { text, type Text } from "../../../../runtime/opcua/text.ts";

export type TrustStatus = "trusted" | "rejected" | "unknown";

const DAY_MS = 86_400_000;

export function trustedFolder(pkiDir: string): string {
  return join(pkiDir, "trusted", "certs");
}

export function rejectedFolder(pkiDir: string): string {
  return join(pkiDir, "rejected");
}

export function trustStatus(pkiDir: string, der: Buffer): TrustStatus {
  const { thumbprint } = describeCertificate(leafCertificate(der));
  if (filesWith(trustedFolder(pkiDir), thumbprint).length > 0) return "trusted";
  if (filesWith(rejectedFolder(pkiDir), thumbprint).length > 0) return "rejected";
  return "unknown";
}

/** Writes trusted/certs/<thumbprint>.der and takes the certificate out of rejected/. */
export function trustServerCertificate(pkiDir: string, der: Buffer): CertificateInfo & { file: string } {
  const leaf = leafCertificate(der);
  const info = describeCertificate(leaf);
  const folder = trustedFolder(pkiDir);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${info.thumbprint}.der`);
  writeFileSync(file, leaf);
  for (const refused of filesWith(rejectedFolder(pkiDir), info.thumbprint)) rmSync(refused, { force: true });
  return { ...info, file };
}

/** Expired, not valid yet, or expiring within `withinDays`: what the user should hear before trusting. */
export function expiryWarning(info: Pick<CertificateInfo, "notBefore" | "notAfter">, now: number | Date, withinDays = 30): Text | undefined {
  const at = typeof now === "number" ? now : now.getTime();
  const notBefore = Date.parse(info.notBefore);
  const notAfter = Date.parse(info.notAfter);
  if (at < notBefore) {
    return text(
      `the certificate is not valid before ${day(notBefore)}: check the clock of the server and of this computer`,
      `该证书在 ${day(notBefore)} 之前无效：请检查服务器和本机的时钟`,
    );
  }
  if (at > notAfter) {
    return text(
      `the certificate expired on ${day(notAfter)}: the server needs a new one, a secured connection will be refused`,
      `该证书已于 ${day(notAfter)} 过期：服务器需要更换证书，安全连接将被拒绝`,
    );
  }
  const daysLeft = Math.ceil((notAfter - at) / DAY_MS);
  if (daysLeft <= withinDays) {
    return text(
      `the certificate expires on ${day(notAfter)}, in ${daysLeft} ${daysLeft === 1 ? "day" : "days"}: ask for a new one in time`,
      `该证书将于 ${day(notAfter)} 过期（还剩 ${daysLeft} 天）：请及时更换`,
    );
  }
  return undefined;
}

/** The server's own certificate: an endpoint may send its chain, the leaf first. */
export function leafCertificate(der: Buffer): Buffer {
  return firstCertificate(der);
}

/** Files of `folder` holding the certificate, whatever their names (node-opcua names its own). */
function filesWith(folder: string, thumbprint: string): string[] {
  if (!existsSync(folder)) return [];
  const found: string[] = [];
  for (const name of readdirSync(folder)) {
    if (!/\.(pem|der|crt|cer)$/i.test(name)) continue;
    const file = join(folder, name);
    try {
      if (describeCertificate(readFileSync(file)).thumbprint === thumbprint) found.push(file);
    } catch {
      // Not a certificate: node-opcua skips it too.
    }
  }
  return found;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
