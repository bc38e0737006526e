import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AttributeIds, OPCUAClient, StatusCodes, TimestampsToReturn, type ClientSession, type DataValue } from "node-opcua";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BENCH_COUNTER_NODE, benchVariableNode, startSimulator, type RunningSimulator } from "../index.ts";
import { clientPki, waitFor } from "./test-client.ts";

const COUNT = 100;
const INTERVAL_MS = 10;
const WINDOW_MS = 2_000;
/** A third of the ideal count: a loaded 2-core CI machine delays timers and publishes; a slower change rate (every 40 ms or more) still fails. */
const LEAST_PER_VARIABLE = (WINDOW_MS / INTERVAL_MS) / 3;

let root: string;
let sim: RunningSimulator;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "dengta-sim-bench-vars-"));
  // With the bench counter too: both hang under the one `Bench` object.
  sim = await startSimulator({ port: 0, speed: 1, benchRateHz: 100, benchVariables: { count: COUNT, intervalMs: INTERVAL_MS }, pkiDir: join(root, "pki") });
});

afterAll(async () => {
  await sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Arrival {
  value: number;
  sourceTs: number;
  at: number;
}

it("benchVariables adds s=Bench.V0…V99, all changing every 10 ms of wall time with wall-clock source timestamps", async () => {
  const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 }, clientCertificateManager: clientPki(root) });
  await client.connect(sim.endpointUrl);
  try {
    const session = await client.createSession();
    const ns = (await session.readNamespaceArray()).indexOf(sim.namespaceUri);
    await expectExactlyCountVariables(session, ns);
    const arrivals = await collectArrivals(session, ns);
    await session.close();

    const started = Math.min(...arrivals.flat().map((a) => a.at));
    for (const values of arrivals) {
      const inWindow = values.filter((a) => a.at >= started && a.at < started + WINDOW_MS);
      expect(inWindow.length).toBeGreaterThanOrEqual(LEAST_PER_VARIABLE);
      // Each notification is a new change (tick numbers only go up), none made after the client saw it.
      expect(values.slice(1).every((a, i) => a.value > values[i]!.value)).toBe(true);
      expect(values.at(-1)!.value).toBeLessThanOrEqual(sim.benchTicks());
      for (const { sourceTs, at } of values) {
        expect(sourceTs).toBeLessThanOrEqual(at);
        expect(at - sourceTs).toBeLessThan(5_000);
      }
    }
  } finally {
    await client.disconnect();
  }
});

/** V0…V{COUNT-1} read Good; V{COUNT} does not exist; the bench counter is still there. */
async function expectExactlyCountVariables(session: ClientSession, ns: number): Promise<void> {
  const nodes = [...Array.from({ length: COUNT + 1 }, (_, i) => benchVariableNode(i)), BENCH_COUNTER_NODE];
  const read = await session.read(nodes.map((node) => ({ nodeId: `ns=${ns};${node}`, attributeId: AttributeIds.Value })));
  expect(read.slice(0, COUNT).every((dv) => dv.statusCode.equals(StatusCodes.Good))).toBe(true);
  expect(read[COUNT]!.statusCode.equals(StatusCodes.BadNodeIdUnknown)).toBe(true);
  expect(read[COUNT + 1]!.statusCode.equals(StatusCodes.Good)).toBe(true);
}

/** Subscribes (publishing 10 ms, sampling 0) and keeps every notification until each variable has had a window's worth. */
async function collectArrivals(session: ClientSession, ns: number): Promise<Arrival[][]> {
  const subscription = await session.createSubscription2({
    requestedPublishingInterval: INTERVAL_MS, requestedLifetimeCount: 6000, requestedMaxKeepAliveCount: 20,
    maxNotificationsPerPublish: 0, publishingEnabled: true,
  });
  const arrivals: Arrival[][] = Array.from({ length: COUNT }, () => []);
  const items = Array.from({ length: COUNT }, (_, i) => ({ nodeId: `ns=${ns};${benchVariableNode(i)}`, attributeId: AttributeIds.Value }));
  const group = await subscription.monitorItems(items, { samplingInterval: 0, queueSize: 10, discardOldest: true }, TimestampsToReturn.Both);
  group.on("changed", (_item, dv: DataValue, index: number) => {
    arrivals[index]!.push({ value: dv.value.value as number, sourceTs: dv.sourceTimestamp!.getTime(), at: Date.now() });
  });
  // The first value of each item is its current one; count from there a window's worth, with room for a slow machine.
  await waitFor(() => arrivals.every((values) => values.length > 2 * LEAST_PER_VARIABLE), 20_000);
  await subscription.terminate();
  return arrivals;
}
