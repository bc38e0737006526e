// node-opcua-client uses this package and does not re-export the class.
import { OPCUACertificateManager } from "node-opcua-certificate-manager";

type VerifyArgs = Parameters<OPCUACertificateManager["verifyCertificate"]>;

/**
 * The bundle's PKI, refusing unknown server certificates and keeping the last one it refused,
 * so the log can show which certificate to trust.
 */
export class RecordingCertificateManager extends OPCUACertificateManager {
  refused: Buffer | undefined;

  constructor(rootFolder: string) {
    // A fresh manager per connection attempt reads the folders anew, so no watchers are needed.
    super({ rootFolder, automaticallyAcceptUnknownCertificate: false, disableFileWatchers: true });
  }

  override async verifyCertificate(...args: VerifyArgs): Promise<Awaited<ReturnType<OPCUACertificateManager["verifyCertificate"]>>> {
    const status = await super.verifyCertificate(...args);
    if (String(status) !== "Good") this.refused = Array.isArray(args[0]) ? Buffer.concat(args[0]) : Buffer.from(args[0]);
    return status;
  }
}
