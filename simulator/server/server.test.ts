import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttributeIds, BrowseDirection, DataType, makeBrowsePath, MessageSecurityMode, OPCUAClient, SecurityPolicy, TimestampsToReturn,
  type ClientSession, type DataValue,
} from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../index.ts";
import { clientPki, waitFor } from "./test-client.ts";

let root: string;
let sim: RunningSimulator;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "dengta-sim-"));
  sim = await startSimulator({ port: 0, seed: 1, speed: 60, pkiDir: join(root, "pki"), users: [{ name: "trainee", password: "学员-1" }] });
});

afterAll(async () => {
  await sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function withSession<T>(mode: MessageSecurityMode, policy: SecurityPolicy, use: (session: ClientSession) => Promise<T>, user?: { name: string; password: string }): Promise<T> {
  const client = OPCUAClient.create({
    securityMode: mode, securityPolicy: policy, endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
    clientCertificateManager: clientPki(root),
  });
  await client.connect(sim.endpointUrl);
  try {
    const session = await client.createSession(user ? { type: 1, userName: user.name, password: user.password } as never : undefined);
    try {
      await session.readNamespaceArray();
      return await use(session);
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}

describe("simulator over OPC UA", () => {
  it("serves the Machines folder, each machine's Identification and MachineryItemState, without security", async () => {
    await withSession(MessageSecurityMode.None, SecurityPolicy.None, async (session) => {
      const machinery = session.getNamespaceIndex("http://opcfoundation.org/UA/Machinery/");
      const di = session.getNamespaceIndex("http://opcfoundation.org/UA/DI/");
      const machines = await session.browse({ nodeId: `ns=${machinery};i=1001`, browseDirection: BrowseDirection.Forward, resultMask: 63 });
      expect(machines.references!.map((r) => r.browseName.name)).toEqual(expect.arrayContaining(["M1", "M2", "M3"]));
      const manufacturer = await readPath(session, sim$(session, "s=M1"), [[di, "Identification"], [di, "Manufacturer"]]);
      expect(manufacturer.value.value.text).toBe("Dengta Sim");
      const serial = await readPath(session, sim$(session, "s=M2"), [[di, "Identification"], [di, "SerialNumber"]]);
      expect(serial.value.value).toBe("SIM-M2-0001");
      const current = await readPath(session, sim$(session, "s=M1"), [[machinery, "MachineryItemState"], [0, "CurrentState"]]);
      expect(["Executing", "NotExecuting", "OutOfService"]).toContain(current.value.value.text);
    });
  });

  it("reads identification and state with SignAndEncrypt / Basic256Sha256 and a user", async () => {
    await withSession(MessageSecurityMode.SignAndEncrypt, SecurityPolicy.Basic256Sha256, async (session) => {
      const [state, code, cycles] = await session.read([
        { nodeId: sim$(session, "s=M1.State"), attributeId: AttributeIds.Value },
        { nodeId: sim$(session, "s=M1.StateCode"), attributeId: AttributeIds.Value },
        { nodeId: sim$(session, "s=M1.CycleCount"), attributeId: AttributeIds.Value },
      ]);
      expect(["running", "idle", "setup", "down"]).toContain(state!.value.value);
      expect(code!.value.value).toBeGreaterThanOrEqual(1);
      expect(cycles!.value.dataType).toBe(DataType.UInt32);
    }, { name: "trainee", password: "学员-1" });
  });

  it("publishes CycleCount at speed 60 with model-time source timestamps", async () => {
    await withSession(MessageSecurityMode.None, SecurityPolicy.None, async (session) => {
      const subscription = await session.createSubscription2({ requestedPublishingInterval: 10, requestedMaxKeepAliveCount: 10, publishingEnabled: true });
      const values: DataValue[] = [];
      const item = await subscription.monitor({ nodeId: sim$(session, "s=M1.CycleCount"), attributeId: AttributeIds.Value },
        { samplingInterval: 0, queueSize: 100, discardOldest: true }, TimestampsToReturn.Both);
      const seen = new Promise<void>((resolve) => item.on("changed", (dv) => { values.push(dv); if (values.length >= 3) resolve(); }));
      await seen;
      await subscription.terminate();
      const counts = values.map((v) => v.value.value as number);
      expect(counts.slice(1).every((c, i) => c > counts[i]!)).toBe(true);
      const last = values.at(-1)!.sourceTimestamp!.getTime();
      expect(Math.abs(last - Date.now())).toBeGreaterThan(1e9); // model time, not wall time
      expect(last).toBeLessThanOrEqual(sim.modelNow());
      expect(sim.truth().machines.m1.cycles).toBeGreaterThanOrEqual(counts.at(-1)!);
    });
  });

  it("records a Reject written by the client in the ground truth", async () => {
    await waitFor(() => sim.truth().parts.length > 0, 30_000);
    const serial = sim.truth().parts.at(-1)!.serial;
    await withSession(MessageSecurityMode.Sign, SecurityPolicy.Aes256_Sha256_RsaPss, async (session) => {
      const codes = await session.write([
        { nodeId: sim$(session, "s=Station.RejectSerial"), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.String, value: serial } } },
        { nodeId: sim$(session, "s=Station.Reject"), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Boolean, value: true } } },
      ]);
      expect(codes.map((c) => c.isGood())).toEqual([true, true]);
    });
    expect(sim.truth().rejects).toEqual([expect.objectContaining({ serial, known: true })]);
  });
});

async function readPath(session: ClientSession, start: string, names: Array<[number, string]>): Promise<DataValue> {
  const result = await session.translateBrowsePath(makeBrowsePath(start, names.map(([ns, name]) => `/${ns}:${name}`).join("")));
  expect(result.statusCode.isGood()).toBe(true);
  return session.read({ nodeId: result.targets![0]!.targetId, attributeId: AttributeIds.Value });
}

/** node-opcua's client takes `ns=<index>`, so `nsu=` NodeIds are resolved through the session. */
function sim$(session: ClientSession, id: string): string {
  return `ns=${session.getNamespaceIndex("urn:dengta:simulator")};${id}`;
}
