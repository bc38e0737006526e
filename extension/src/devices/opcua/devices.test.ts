// The Devices view's OPC UA engine against the real simulator and a server of 10,000 variables,
// both started here on loopback, on ports the system picks.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataType, nodesets, OPCUACertificateManager, OPCUAServer, type Namespace, type UAObject } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../../../simulator/index.ts";
import {
  DeviceSession, expiryWarning, OpcuaError, probeEndpoint, trustServerCertificate, trustStatus, UntrustedServerError,
  type BrowseItem, type ServerCertificate,
} from "./index.ts";

const TIMEOUT_MS = 10_000;
const SIM = "urn:dengta:simulator";
const BIG = "urn:dengta:test:big";
const BIG_COUNT = 10_000;

let root: string;
let sim: RunningSimulator;
let big: { server: OPCUAServer; url: string; pki: OPCUACertificateManager[] };
const sessions: DeviceSession[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "dengta-devices-"));
  [sim, big] = await Promise.all([
    startSimulator({ port: 0, seed: 1, speed: 1, pkiDir: join(root, "sim-pki") }),
    startBigServer(join(root, "big-pki")),
  ]);
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await sim?.stop();
  if (big) {
    await big.server.shutdown(0);
    await Promise.all(big.pki.map((p) => p.dispose()));
  }
  rmSync(root, { recursive: true, force: true });
});

async function open(options: Partial<Parameters<typeof DeviceSession.open>[0]> = {}): Promise<DeviceSession> {
  const session = await DeviceSession.open({
    url: sim.endpointUrl, securityMode: "None", securityPolicy: "None", pkiDir: join(root, "client-pki"), timeoutMs: TIMEOUT_MS, ...options,
  });
  sessions.push(session);
  return session;
}

async function childNamed(session: DeviceSession, parent: string, name: string): Promise<BrowseItem> {
  const { items } = await session.browse(parent);
  const found = items.find((i) => i.browseName === name);
  if (!found) throw new Error(`no ${name} under ${parent}: ${items.map((i) => i.browseName).join(", ")}`);
  return found;
}

describe("probe, trust and open against the simulator", () => {
  let server: ServerCertificate;
  const pkiDir = () => join(root, "client-pki");

  it("probe lists None, Sign and SignAndEncrypt and the server's certificate", async () => {
    const probe = await probeEndpoint(sim.endpointUrl, { timeoutMs: TIMEOUT_MS, pkiDir: join(root, "discovery-pki") });
    const modes = new Set(probe.endpoints.map((e) => e.securityMode));
    expect([...modes].sort()).toEqual(["None", "Sign", "SignAndEncrypt"]);
    expect(probe.endpoints).toContainEqual({ securityMode: "SignAndEncrypt", securityPolicy: "Basic256Sha256", userTokens: expect.arrayContaining(["anonymous", "username"]) });
    expect(probe.server).toBeDefined();
    server = probe.server!;
    expect(server.thumbprint).toBe(sim.certificateThumbprint);
    expect(server.subject).toContain("CN=");
    expect(Date.parse(server.notAfter)).toBeGreaterThan(Date.now());
    expect(trustStatus(pkiDir(), server.der)).toBe("unknown");
  });

  it("refuses a secured session before trust, with the certificate to show", async () => {
    const error = await open({ securityMode: "SignAndEncrypt", securityPolicy: "Basic256Sha256" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UntrustedServerError);
    const untrusted = error as UntrustedServerError;
    expect(untrusted.name).toBe("UntrustedServerError");
    expect(untrusted.server).toMatchObject({ thumbprint: sim.certificateThumbprint, subject: server.subject, notAfter: server.notAfter });
    expect(untrusted.server.der.equals(server.der)).toBe(true);
    expect(untrusted.text["zh-CN"]).toContain(sim.certificateThumbprint);
    expect(trustStatus(pkiDir(), server.der)).toBe("rejected");
  });

  it("opens after trusting, reusing the client certificate it made", async () => {
    const trusted = trustServerCertificate(pkiDir(), server.der);
    expect(trusted.file).toBe(join(pkiDir(), "trusted", "certs", `${sim.certificateThumbprint}.der`));
    expect(trustStatus(pkiDir(), server.der)).toBe("trusted");
    const ownBefore = readdirSync(join(pkiDir(), "own", "certs"));
    const session = await open({ securityMode: "SignAndEncrypt", securityPolicy: "Basic256Sha256" });
    expect((await session.read(`nsu=${SIM};s=M1.StateCode`)).status).toBe("good");
    expect(readdirSync(join(pkiDir(), "own", "certs"))).toEqual(ownBefore);
  });

  it("browses from Objects down to a machine's variable, in namespace-URI form, and reads it", async () => {
    const session = await open();
    const machines = await childNamed(session, "i=85", "Machines");
    expect(machines).toMatchObject({ nodeId: "nsu=http://opcfoundation.org/UA/Machinery/;i=1001", nodeClass: "Object", hasChildren: true });
    expect((await session.browse()).items.find((i) => i.browseName === "Server")).toMatchObject({ nodeId: "i=2253", hasChildren: true });
    const m1 = await childNamed(session, machines.nodeId, "M1");
    expect(m1.nodeId).toBe(`nsu=${SIM};s=M1`);
    const stateCode = await childNamed(session, m1.nodeId, "StateCode");
    expect(stateCode).toMatchObject({ nodeId: `nsu=${SIM};s=M1.StateCode`, nodeClass: "Variable", dataType: "Int32", hasChildren: false });
    const reading = await session.read(stateCode.nodeId);
    expect(reading).toMatchObject({ status: "good", statusText: "Good", dataType: "Int32" });
    expect(typeof reading.value).toBe("number");
    expect(reading.sourceTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    const missing = await session.read(`nsu=${SIM};s=NoSuchNode`);
    expect(missing).toMatchObject({ status: "bad", statusText: "BadNodeIdUnknown" });
  });

  it("says clearly when the address is wrong, nothing listens, or the namespace is unknown", async () => {
    const notOpc = await probeEndpoint("http://127.0.0.1:4840", { timeoutMs: TIMEOUT_MS }).catch((e: unknown) => e);
    expect(notOpc).toBeInstanceOf(OpcuaError);
    expect((notOpc as OpcuaError).text["zh-CN"]).toContain("不是 OPC UA 地址");
    const closed = await probeEndpoint("opc.tcp://127.0.0.1:1", { timeoutMs: TIMEOUT_MS, pkiDir: join(root, "discovery-pki") }).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(OpcuaError);
    expect((closed as OpcuaError).text.en).toMatch(/^nothing answers at 127\.0\.0\.1:1/);
    expect((closed as OpcuaError).message).not.toMatch(/\n\s+at /);
    const session = await open();
    await expect(session.read("nsu=urn:nobody;s=X")).rejects.toThrow(/has no namespace urn:nobody/);
  });
});

describe("expiryWarning", () => {
  const now = Date.UTC(2026, 0, 10);
  const cert = (notBefore: string, notAfter: string) => ({ notBefore, notAfter });

  it("names the date of an expired certificate", () => {
    const warning = expiryWarning(cert("2020-01-01T00:00:00.000Z", "2025-12-31T00:00:00.000Z"), now);
    expect(warning?.en).toContain("expired on 2025-12-31");
    expect(warning?.["zh-CN"]).toContain("2025-12-31");
  });

  it("warns ten days ahead, and about a certificate not valid yet", () => {
    expect(expiryWarning(cert("2020-01-01T00:00:00.000Z", "2026-01-20T00:00:00.000Z"), now)?.en).toContain("expires on 2026-01-20, in 10 days");
    expect(expiryWarning(cert("2026-02-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z"), new Date(now))?.en).toContain("not valid before 2026-02-01");
  });

  it("says nothing of a certificate valid for long", () => {
    expect(expiryWarning(cert("2020-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"), now)).toBeUndefined();
    expect(expiryWarning(cert("2020-01-01T00:00:00.000Z", "2026-01-20T00:00:00.000Z"), now, 5)).toBeUndefined();
  });
});

describe("a folder of 10,000 variables", () => {
  it("comes in pages of 500, all 10,000 by continuation, while the session keeps answering reads", async () => {
    const session = await open({ url: big.url, pkiDir: join(root, "big-client-pki") });
    const folder = await childNamed(session, "i=85", "Big");
    expect(folder).toMatchObject({ nodeId: `nsu=${BIG};s=Big`, hasChildren: true });

    const first = await session.browse(folder.nodeId, { pageSize: 500 });
    expect(first.items).toHaveLength(500);
    expect(first.continuation).toEqual(expect.any(String));
    expect(first.items[0]).toMatchObject({ nodeClass: "Variable", dataType: "Double", hasChildren: false });

    const seen = new Set(first.items.map((i) => i.nodeId));
    let continuation = first.continuation;
    let pages = 1;
    let readDuringPaging: Promise<unknown> | undefined;
    while (continuation !== undefined) {
      const next = session.browse(folder.nodeId, { pageSize: 500, continuation });
      readDuringPaging ??= session.read(`nsu=${BIG};s=Big.V00042`);
      const page = await next;
      expect(page.items.length).toBeLessThanOrEqual(500);
      for (const item of page.items) seen.add(item.nodeId);
      continuation = page.continuation;
      pages++;
    }
    expect(pages).toBe(BIG_COUNT / 500);
    expect(seen.size).toBe(BIG_COUNT);
    expect(seen.has(`nsu=${BIG};s=Big.V09999`)).toBe(true);
    await expect(readDuringPaging).resolves.toMatchObject({ value: 42, status: "good", dataType: "Double" });
  });
});

/** A plain node-opcua server: standard nodeset, loopback, one folder of BIG_COUNT Double variables. */
async function startBigServer(pkiDir: string) {
  const pki = [
    new OPCUACertificateManager({ rootFolder: join(pkiDir, "server"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true }),
    new OPCUACertificateManager({ rootFolder: join(pkiDir, "user"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true }),
  ];
  const server = new OPCUAServer({
    host: "127.0.0.1", hostname: "127.0.0.1", alternateHostname: ["127.0.0.1"], port: 0,
    nodeset_filename: [nodesets.standard],
    serverCertificateManager: pki[0], userCertificateManager: pki[1],
    allowAnonymous: true,
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace!;
  const ns: Namespace = addressSpace.registerNamespace(BIG);
  const folder: UAObject = ns.addFolder(addressSpace.rootFolder.objects, { browseName: "Big", nodeId: "s=Big" });
  for (let i = 0; i < BIG_COUNT; i++) {
    const name = `V${String(i).padStart(5, "0")}`;
    ns.addVariable({ componentOf: folder, browseName: name, nodeId: `s=Big.${name}`, dataType: "Double", value: { dataType: DataType.Double, value: i } });
  }
  await server.start();
  return { server, url: `opc.tcp://127.0.0.1:${server.endpoints[0]!.port}`, pki };
}
