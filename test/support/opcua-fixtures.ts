// Shared pieces of the OPC UA block tests: endpoints for the test server, trusting its certificate.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { TestServer } from "./opcua-server.ts";

export function noneEndpoint(server: TestServer): Record<string, Record<string, unknown>> {
  return { plc: { url: server.url } };
}

export function secureEndpoint(server: TestServer, policy = "Basic256Sha256"): Record<string, Record<string, unknown>> {
  return { plc: { url: server.url, security: { mode: "SignAndEncrypt", policy }, user: { name: "dengta", password: { secret: "plc-password" } } } };
}

/** Puts the server's certificate in the bundle's trust list, as `dengta pki trust` would. */
export function trustServer(server: TestServer, dataDir: string): void {
  const own = join(server.pkiDir, "own", "certs");
  const target = join(dataDir, "pki", "trusted", "certs");
  mkdirSync(target, { recursive: true });
  const file = readdirSync(own).find((f) => f.endsWith(".pem"))!;
  copyFileSync(join(own, file), join(target, "server.pem"));
}

export function signal(nodeId: string, extra: Record<string, unknown> = {}) {
  return { binding: { endpoint: "plc", nodeId, ...extra } };
}
