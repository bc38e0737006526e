// Asks an OPC UA server which endpoints it offers, over an unsecured channel used for discovery
// only: no session, nothing read. The server's certificate comes back for the user to check.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageSecurityMode, OPCUAClient, UserTokenType, type EndpointDescription } from "node-opcua-client";
import { OPCUACertificateManager } from "node-opcua-certificate-manager";
import { describeCertificate, type CertificateInfo } from "../../../../runtime/opcua/certificate-info.ts";
import { withTimeout } from "../../../../runtime/opcua/wait.ts";
import { checkOpcTcpUrl, connectionProblem, timeoutError } from "./connection-problem.ts";
import { leafCertificate } from "./trust.ts";

export type SecurityMode = "None" | "Sign" | "SignAndEncrypt";
export type SecurityPolicyName = "None" | "Basic256Sha256" | "Aes128_Sha256_RsaOaep" | "Aes256_Sha256_RsaPss";
export type UserTokenKind = "anonymous" | "username" | "certificate";

export interface OfferedEndpoint {
  securityMode: SecurityMode;
  securityPolicy: SecurityPolicyName;
  userTokens: UserTokenKind[];
}

export interface ServerCertificate extends CertificateInfo {
  /** The server's own certificate (DER), without the rest of its chain. */
  der: Buffer;
}

export interface ProbeResult {
  endpoints: OfferedEndpoint[];
  /** Undefined when the server offers no secured endpoint and sends no certificate. */
  server: ServerCertificate | undefined;
}

export interface ProbeOptions {
  timeoutMs: number;
  /**
   * Where the discovery client keeps its own certificate (node-opcua wants one even unsecured);
   * by default a folder in the temporary directory, never the folder of trusted servers.
   */
  pkiDir?: string;
}

const POLICIES: readonly SecurityPolicyName[] = ["None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"];
const CLOSE_TIMEOUT_MS = 2_000;

export async function probeEndpoint(url: string, options: ProbeOptions): Promise<ProbeResult> {
  checkOpcTcpUrl(url);
  const pki = new OPCUACertificateManager({
    rootFolder: options.pkiDir ?? join(tmpdir(), `dengta-opcua-discovery-${process.getuid?.() ?? "pki"}`),
    automaticallyAcceptUnknownCertificate: false,
    disableFileWatchers: true,
  });
  const client = OPCUAClient.create({
    applicationName: "Dengta",
    clientName: "dengta-discovery",
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    clientCertificateManager: pki,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    transportTimeout: options.timeoutMs,
  });
  try {
    const endpoints = await withTimeout((async () => {
      await client.connect(url);
      return client.getEndpoints();
    })(), options.timeoutMs, () => timeoutError(url, options.timeoutMs));
    return { endpoints: offered(endpoints), server: serverCertificate(endpoints) };
  } catch (error) {
    throw connectionProblem(url, error);
  } finally {
    await withTimeout(client.disconnect(), CLOSE_TIMEOUT_MS).catch(() => undefined);
    await pki.dispose().catch(() => undefined);
  }
}

/** One entry per security mode and policy: a server lists each again for every host name it has. */
function offered(endpoints: EndpointDescription[]): OfferedEndpoint[] {
  const byKey = new Map<string, OfferedEndpoint>();
  for (const endpoint of endpoints) {
    const securityMode = modeName(endpoint.securityMode);
    const securityPolicy = policyName(endpoint.securityPolicyUri);
    if (securityMode === undefined || securityPolicy === undefined) continue;
    const key = `${securityMode}/${securityPolicy}`;
    const entry = byKey.get(key) ?? { securityMode, securityPolicy, userTokens: [] };
    for (const token of endpoint.userIdentityTokens ?? []) {
      const kind = tokenKind(token.tokenType);
      if (kind !== undefined && !entry.userTokens.includes(kind)) entry.userTokens.push(kind);
    }
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

function serverCertificate(endpoints: EndpointDescription[]): ServerCertificate | undefined {
  const bytes = endpoints.find((e) => e.serverCertificate && e.serverCertificate.length > 0)?.serverCertificate;
  if (!bytes) return undefined;
  const der = Buffer.from(leafCertificate(bytes));
  return { ...describeCertificate(der), der };
}

function modeName(mode: MessageSecurityMode): SecurityMode | undefined {
  if (mode === MessageSecurityMode.None) return "None";
  if (mode === MessageSecurityMode.Sign) return "Sign";
  if (mode === MessageSecurityMode.SignAndEncrypt) return "SignAndEncrypt";
  return undefined;
}

/** Policies this client speaks; the deprecated Basic128Rsa15 and Basic256 are left out. */
function policyName(uri: string | null): SecurityPolicyName | undefined {
  const name = uri?.split("#").pop();
  return POLICIES.find((p) => p === name);
}

function tokenKind(type: UserTokenType): UserTokenKind | undefined {
  if (type === UserTokenType.Anonymous) return "anonymous";
  if (type === UserTokenType.UserName) return "username";
  if (type === UserTokenType.Certificate) return "certificate";
  return undefined;
}
