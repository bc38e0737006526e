import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AttributeIds, MessageSecurityMode, OPCUAClient, SecurityPolicy } from "node-opcua";
import { afterAll, expect, it } from "vitest";
import { parseFault, startSimulator, type RunningSimulator } from "../index.ts";
import { clientPki } from "./test-client.ts";

let root: string;
let sim: RunningSimulator | undefined;

afterAll(async () => {
  await sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

it("server:restart comes back on the same port with the same certificate while the model keeps running", async () => {
  root = mkdtempSync(join(tmpdir(), "dengta-sim-restart-"));
  let back!: () => void;
  const restarted = new Promise<void>((resolve) => { back = resolve; });
  sim = await startSimulator({
    port: 0, speed: 60, pkiDir: join(root, "pki"), faults: [parseFault("server:restart@30s")],
    onNotice: (notice) => { if (notice.en.includes("back on")) back(); },
  });
  const before = await serverThumbprint(sim.endpointUrl);
  expect(before).toBe(sim.certificateThumbprint);
  await restarted;
  expect(sim.modelNow() - sim.truth().startTime).toBeGreaterThanOrEqual(30_000);
  expect(await serverThumbprint(sim.endpointUrl)).toBe(before);
  const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 }, clientCertificateManager: clientPki(root) });
  await client.connect(sim.endpointUrl);
  const session = await client.createSession();
  const namespaces = await session.readNamespaceArray();
  const cycles = await session.read({ nodeId: `ns=${namespaces.indexOf("urn:dengta:simulator")};s=M1.CycleCount`, attributeId: AttributeIds.Value });
  expect(cycles.value.value).toBeGreaterThanOrEqual(2);
  await session.close();
  await client.disconnect();
});

async function serverThumbprint(url: string): Promise<string> {
  const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 }, clientCertificateManager: clientPki(root) });
  await client.connect(url);
  const endpoints = await client.getEndpoints();
  await client.disconnect();
  const secure = endpoints.find((e) => e.securityMode === MessageSecurityMode.SignAndEncrypt && e.securityPolicyUri === SecurityPolicy.Basic256Sha256)!;
  return createHash("sha1").update(secure.serverCertificate!).digest("hex");
}
