// A small real OPC UA server on loopback for tests: its own PKI, a ticking counter, a writable
// flag, a method, a folder of many nodes, None and secure endpoints, one user.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DataType, MessageSecurityMode, nodesets, OPCUACertificateManager, OPCUAServer, SecurityPolicy, StatusCode, StatusCodes, Variant,
  type Namespace, type UAVariable,
} from "node-opcua";

export const TEST_USER = { name: "dengta", password: "s3cret-测试" };
/** Model time of the counter's first tick: far from wall time, so a test can tell them apart. */
export const MODEL_START = Date.UTC(2030, 0, 1);
export const NS_URI = "urn:dengta:test";
export const MANY_NODES = 60;
/** A NodeId of the test namespace, whatever index the server gave it. */
export const node = (name: string) => `nsu=${NS_URI};s=${name}`;

export interface TestServer {
  url: string;
  port: number;
  /** The server's own PKI folder (its certificate lives in own/certs). */
  pkiDir: string;
  /** Sets the status of Sensor, e.g. StatusCodes.BadSensorFailure. */
  setSensorStatus(status: StatusCode): void;
  flag(): boolean;
  /** Every value written to the flag, in order. */
  flagWrites: boolean[];
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), "dengta-opcua-server-"));
  const state = { flag: false, flagWrites: [] as boolean[], tick: 0, sensorStatus: StatusCodes.Good as StatusCode };
  let running = await launch(root, 0, state);
  const port = running.port;
  return {
    url: `opc.tcp://127.0.0.1:${port}`,
    port,
    pkiDir: join(root, "pki"),
    setSensorStatus: (status) => { state.sensorStatus = status; running.sensor.setValueFromSource({ dataType: DataType.Double, value: 0 }, status, new Date()); },
    flag: () => state.flag,
    flagWrites: state.flagWrites,
    async restart() {
      await running.stop();
      running = await launch(root, port, state);
    },
    async stop() {
      await running.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

interface Running {
  port: number;
  sensor: UAVariable;
  stop(): Promise<void>;
}

type State = { flag: boolean; flagWrites: boolean[]; tick: number; sensorStatus: StatusCode };

async function launch(root: string, port: number, state: State): Promise<Running> {
  const serverCertificateManager = new OPCUACertificateManager({ rootFolder: join(root, "pki"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
  const userCertificateManager = new OPCUACertificateManager({ rootFolder: join(root, "user-pki"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
  const server = new OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    nodeset_filename: [nodesets.standard],
    serverCertificateManager,
    userCertificateManager,
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes256_Sha256_RsaPss],
    allowAnonymous: true,
    userManager: { isValidUser: (name: string, password: string) => name === TEST_USER.name && password === TEST_USER.password },
    serverCapabilities: { minSupportedSampleRate: 1 } as never,
  });
  await server.initialize();
  const namespace = server.engine.addressSpace!.registerNamespace(NS_URI);
  const { sensor, counter } = addVariables(namespace, server, state);
  const timer = setInterval(() => tick(counter, state), 10);
  await server.start();
  const actualPort = Number(new URL(server.getEndpointUrl().replace("opc.tcp", "http")).port);
  return {
    port: actualPort,
    sensor,
    async stop() {
      clearInterval(timer);
      await server.shutdown(0);
      await Promise.all([serverCertificateManager.dispose(), userCertificateManager.dispose()]);
    },
  };
}

function addVariables(namespace: Namespace, server: OPCUAServer, state: State): { sensor: UAVariable; counter: UAVariable } {
  const objects = server.engine.addressSpace!.rootFolder.objects;
  const machine = namespace.addObject({ organizedBy: objects, browseName: "Machine", nodeId: "s=Machine" });
  const counter = namespace.addVariable({ componentOf: machine, browseName: "Counter", nodeId: "s=Counter", dataType: "Double", value: { dataType: DataType.Double, value: 0 } });
  namespace.addVariable({
    componentOf: machine, browseName: "Flag", nodeId: "s=Flag", dataType: "Boolean", minimumSamplingInterval: 1,
    value: {
      get: () => new Variant({ dataType: DataType.Boolean, value: state.flag }),
      set: (variant: Variant) => {
        state.flag = Boolean(variant.value);
        state.flagWrites.push(state.flag);
        return StatusCodes.Good;
      },
    },
  });
  const sensor = namespace.addVariable({ componentOf: machine, browseName: "Sensor", nodeId: "s=Sensor", dataType: "Double", value: { dataType: DataType.Double, value: 0 } });
  sensor.setValueFromSource({ dataType: DataType.Double, value: 0 }, state.sensorStatus, new Date());
  addMethod(namespace, machine);
  const many = namespace.addFolder(objects, { browseName: "Many", nodeId: "s=Many" });
  for (let i = 0; i < MANY_NODES; i++) {
    namespace.addVariable({ componentOf: many, browseName: `Item${i}`, nodeId: `s=Many.Item${i}`, dataType: "Int32", value: { dataType: DataType.Int32, value: i } });
  }
  return { sensor, counter };
}

function addMethod(namespace: Namespace, machine: ReturnType<Namespace["addObject"]>): void {
  const method = namespace.addMethod(machine, {
    browseName: "Add",
    nodeId: "s=Machine.Add",
    inputArguments: [
      { name: "a", dataType: DataType.Double, description: "first" },
      { name: "b", dataType: DataType.Double, description: "second" },
    ],
    outputArguments: [{ name: "sum", dataType: DataType.Double, description: "a + b" }],
  });
  method.bindMethod(((inputs: Variant[], _context: unknown, callback: (err: Error | null, result: unknown) => void) => {
    callback(null, {
      statusCode: StatusCodes.Good,
      outputArguments: [{ dataType: DataType.Double, value: Number(inputs[0]!.value) + Number(inputs[1]!.value) }],
    });
  }) as never);
}

function tick(counter: UAVariable, state: State): void {
  state.tick++;
  counter.setValueFromSource({ dataType: DataType.Double, value: state.tick }, StatusCodes.Good, new Date(MODEL_START + state.tick * 10));
}
