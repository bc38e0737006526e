// A plain node-opcua client session on the simulator, for benches that look at it from outside
// the runtime: its PKI in the bench's work folder, the simulator's namespace index resolved.
import { join } from "node:path";
import { OPCUACertificateManager, OPCUAClient, type ClientSession } from "node-opcua";
import { NAMESPACE_URI } from "../simulator/index.ts";

/** Runs `use` with a session on `endpointUrl` and the index of the simulator's namespace; disconnects after. */
export async function withSimulatorSession<T>(endpointUrl: string, work: string, use: (session: ClientSession, ns: number) => Promise<T>): Promise<T> {
  const client = OPCUAClient.create({
    endpointMustExist: false, connectionStrategy: { maxRetry: 0 },
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(work, "client-pki"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true }),
  });
  await client.connect(endpointUrl);
  try {
    const session = await client.createSession();
    const ns = (await session.readNamespaceArray()).indexOf(NAMESPACE_URI);
    if (ns < 0) throw new Error(`the simulator has no namespace ${NAMESPACE_URI} / 仿真器没有命名空间 ${NAMESPACE_URI}`);
    try {
      return await use(session, ns);
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}
