import { X509Certificate } from "node:crypto";
import { text, type Text } from "./text.ts";

export interface CertificateInfo {
  subject: string;
  /** SHA-1 of the DER bytes in lower-case hex, the thumbprint OPC UA tools show. */
  thumbprint: string;
  notBefore: string;
  notAfter: string;
}

/** Reads the first certificate of a DER chain or a PEM file. */
export function describeCertificate(bytes: Buffer): CertificateInfo {
  const cert = new X509Certificate(firstCertificate(bytes));
  return {
    subject: cert.subject.split("\n").join(", "),
    thumbprint: cert.fingerprint.replaceAll(":", "").toLowerCase(),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

/** A DER chain is several certificates back to back: X509Certificate wants exactly one. */
export function firstCertificate(bytes: Buffer): Buffer {
  if (bytes.subarray(0, 10).toString("latin1").startsWith("-----")) {
    const match = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(bytes.toString("latin1"));
    return match ? Buffer.from(match[0]) : bytes;
  }
  if (bytes[0] !== 0x30 || bytes.length < 4) return bytes;
  const lengthByte = bytes[1]!;
  if (lengthByte < 0x80) return bytes.subarray(0, 2 + lengthByte);
  const count = lengthByte & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + bytes[2 + i]!;
  return bytes.subarray(0, 2 + count + length);
}

export function refusalText(endpoint: string, info: CertificateInfo, dataDir: string): Text {
  const command = `dengta pki trust ${info.thumbprint} --data ${dataDir}`;
  return text(
    `refused the unknown certificate of OPC UA server '${endpoint}': subject ${info.subject}, thumbprint ${info.thumbprint}, valid ${info.notBefore} to ${info.notAfter}. If this is the right server, trust it: ${command}`,
    `已拒绝 OPC UA 服务器 '${endpoint}' 的未知证书：主题 ${info.subject}，指纹 ${info.thumbprint}，有效期 ${info.notBefore} 至 ${info.notAfter}。确认是正确的服务器后，执行以下命令信任它：${command}`,
  );
}
