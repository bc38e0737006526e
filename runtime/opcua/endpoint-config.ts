// An endpoint of the binding turned into what node-opcua needs: security, and who signs in.
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { MessageSecurityMode, SecurityPolicy, UserTokenType, type UserIdentityInfo } from "node-opcua-client";
import type { SiteContext } from "../block.ts";
import { OpcuaError, text } from "./text.ts";

type SecretRef = { secret: string };

export interface EndpointConfig {
  name: string;
  url: string;
  mode: "None" | "Sign" | "SignAndEncrypt";
  policy: "None" | "Basic256Sha256" | "Aes128_Sha256_RsaOaep" | "Aes256_Sha256_RsaPss";
  user?: { name: string; password: SecretRef };
  certificate?: { cert: string; key: SecretRef };
  /** How often the server sends changes; node-opcua's session asks for it. */
  publishingMs?: number;
}

export function endpointConfig(site: SiteContext, name: string): EndpointConfig {
  const raw = site.endpoints[name] as Partial<EndpointConfig> & { security?: { mode?: string; policy?: string } } | undefined;
  if (raw === undefined) {
    const known = Object.keys(site.endpoints).join(", ") || "-";
    throw new OpcuaError(text(`the binding has no endpoint '${name}' (it has: ${known})`, `绑定中没有端点 '${name}'（已有：${known}）`));
  }
  if (typeof raw.url !== "string") {
    throw new OpcuaError(text(`endpoint '${name}' has no opc.tcp:// url`, `端点 '${name}' 没有 opc.tcp:// 地址`));
  }
  const mode = (raw.security?.mode ?? "None") as EndpointConfig["mode"];
  const policy = (raw.security?.policy ?? (mode === "None" ? "None" : "Basic256Sha256")) as EndpointConfig["policy"];
  return {
    name, url: raw.url, mode, policy,
    ...(raw.user ? { user: raw.user } : {}), ...(raw.certificate ? { certificate: raw.certificate } : {}),
    ...(typeof raw.publishingMs === "number" ? { publishingMs: raw.publishingMs } : {}),
  };
}

export function securityOptions(config: EndpointConfig): { securityMode: MessageSecurityMode; securityPolicy: SecurityPolicy } {
  return { securityMode: MessageSecurityMode[config.mode], securityPolicy: SecurityPolicy[config.policy] };
}

/** Anonymous, user and password, or a user certificate; secrets are read on every attempt. */
export function userIdentity(config: EndpointConfig, site: SiteContext): UserIdentityInfo {
  if (config.user) {
    return { type: UserTokenType.UserName, userName: config.user.name, password: requireSecret(site, config.user.password.secret, config.name) };
  }
  if (config.certificate) {
    const path = isAbsolute(config.certificate.cert) ? config.certificate.cert : join(site.dataDir, config.certificate.cert);
    const certificateData = pemToDer(readFileSync(path));
    const privateKey = requireSecret(site, config.certificate.key.secret, config.name);
    return { type: UserTokenType.Certificate, certificateData, privateKey } as unknown as UserIdentityInfo;
  }
  return { type: UserTokenType.Anonymous };
}

export function requireSecret(site: SiteContext, name: string, endpoint: string): string {
  const value = site.secret(name);
  if (value !== undefined) return value;
  const variable = `DENGTA_SECRET_${name.toUpperCase().replaceAll("-", "_")}`;
  throw new OpcuaError(text(
    `endpoint '${endpoint}' needs the secret '${name}', which is not on this box: set the environment variable ${variable}, or put it in a file named '${name}' (mode 0600) in $CREDENTIALS_DIRECTORY (systemd LoadCredential) or $DENGTA_CREDENTIALS`,
    `端点 '${endpoint}' 需要密钥 '${name}'，但本机上没有：请设置环境变量 ${variable}，或在 $CREDENTIALS_DIRECTORY（systemd LoadCredential）或 $DENGTA_CREDENTIALS 目录中放一个名为 '${name}' 的文件（权限 0600）`,
  ));
}

function pemToDer(bytes: Buffer): Buffer {
  const pem = bytes.toString("latin1");
  const match = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(pem);
  return match ? Buffer.from(match[1]!.replace(/\s+/g, ""), "base64") : bytes;
}
