// What the simulator's server tests share: a client PKI of their own, and waiting with a deadline.
import { join } from "node:path";
import { OPCUACertificateManager } from "node-opcua";

/** The client's own PKI in the test folder, not node-opcua's default under $XDG_CONFIG_HOME. */
export function clientPki(root: string): OPCUACertificateManager {
  return new OPCUACertificateManager({ rootFolder: join(root, "client-pki"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
}

export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
