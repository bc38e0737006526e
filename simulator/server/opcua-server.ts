import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  MessageSecurityMode, MonitoredItem, nodesets, OPCUACertificateManager, OPCUAServer, SecurityPolicy, Subscription,
  type AddressSpace,
} from "node-opcua";

/** The fastest publishing and sampling the simulator allows, so that a high --speed stays observable. */
export const FASTEST_MS = 5;

export interface ServerSettings {
  host: string;
  port: number;
  pkiDir: string;
  users: ReadonlyArray<{ name: string; password: string }>;
}

export interface LaunchedServer {
  port: number;
  endpointUrl: string;
  certificateThumbprint: string;
  stop(): Promise<void>;
}

/**
 * Starts one OPC UA server; `build` fills its address space before it listens. The PKI folder is
 * reused, so a restart keeps the same certificate. Any client certificate is trusted: this is a
 * training simulator, not a plant.
 */
export async function launchServer(settings: ServerSettings, build: (addressSpace: AddressSpace) => void): Promise<LaunchedServer> {
  lowerMinimumIntervals();
  const serverCertificateManager = new OPCUACertificateManager({ rootFolder: join(settings.pkiDir, "server"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
  const userCertificateManager = new OPCUACertificateManager({ rootFolder: join(settings.pkiDir, "user"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
  const server = new OPCUAServer({
    host: settings.host,
    hostname: settings.host,
    alternateHostname: [settings.host],
    port: settings.port,
    nodeset_filename: [nodesets.standard, nodesets.di, nodesets.ia, nodesets.machinery],
    serverCertificateManager,
    userCertificateManager,
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes256_Sha256_RsaPss],
    allowAnonymous: true,
    userManager: { isValidUser: (name: string, password: string) => settings.users.some((u) => u.name === name && u.password === password) },
    serverCapabilities: { minSupportedSampleRate: FASTEST_MS } as never,
    buildInfo: { productName: "Dengta Simulator", manufacturerName: "Dengta" },
    serverInfo: { applicationUri: "urn:dengta:simulator:server", productUri: "urn:dengta:simulator" },
  });
  await server.initialize();
  build(server.engine.addressSpace!);
  await server.start();
  const port = server.endpoints[0]!.port;
  return {
    port,
    endpointUrl: `opc.tcp://${settings.host}:${port}`,
    certificateThumbprint: createHash("sha1").update(server.getCertificate()).digest("hex"),
    async stop() {
      await server.shutdown(0);
      await Promise.all([serverCertificateManager.dispose(), userCertificateManager.dispose()]);
    },
  };
}

/** node-opcua keeps these floors as process-wide statics (50 ms by default). */
function lowerMinimumIntervals(): void {
  Subscription.minimumPublishingInterval = Math.min(Subscription.minimumPublishingInterval, FASTEST_MS);
  MonitoredItem.minimumSamplingInterval = Math.min(MonitoredItem.minimumSamplingInterval, FASTEST_MS);
}
