import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AttributeIds, OPCUAClient, StatusCodes, TimestampsToReturn, type DataValue } from "node-opcua";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BENCH_COUNTER_NODE, startSimulator, type RunningSimulator } from "../index.ts";
import { clientPki } from "./test-client.ts";

/** Slower than the server's 5 ms coalescing window (its advertised MinSupportedSampleRate), so every change is sent. */
const RATE_HZ = 100;
let root: string;
let sim: RunningSimulator;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "dengta-sim-bench-"));
  sim = await startSimulator({ port: 0, speed: 1, benchRateHz: RATE_HZ, pkiDir: join(root, "pki") });
});

afterAll(async () => {
  await sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

it("benchRateHz adds s=Bench.Counter, counting up at that rate of wall time with wall-clock source timestamps", async () => {
  const client = OPCUAClient.create({
    endpointMustExist: false, connectionStrategy: { maxRetry: 0 },
    clientCertificateManager: clientPki(root),
  });
  await client.connect(sim.endpointUrl);
  try {
    const session = await client.createSession();
    const nodeId = `ns=${(await session.readNamespaceArray()).indexOf(sim.namespaceUri)};${BENCH_COUNTER_NODE}`;
    const subscription = await session.createSubscription2({ requestedPublishingInterval: 10, requestedMaxKeepAliveCount: 10, publishingEnabled: true });
    const values: Array<{ dv: DataValue; at: number }> = [];
    const item = await subscription.monitor({ nodeId, attributeId: AttributeIds.Value },
      { samplingInterval: 0, queueSize: 1000, discardOldest: true }, TimestampsToReturn.Both);
    await new Promise<void>((resolve) => item.on("changed", (dv: DataValue) => {
      values.push({ dv, at: Date.now() });
      if (values.length >= 150) resolve();
    }));
    await subscription.terminate();
    await session.close();

    expect(values.every(({ dv }) => dv.statusCode.equals(StatusCodes.Good))).toBe(true);
    // Counts only go up (the server may fold several changes into one notification).
    const counts = values.map(({ dv }) => dv.value.value as number);
    const steps = counts.slice(1).map((c, i) => c - counts[i]!);
    expect(steps.every((step) => step >= 1)).toBe(true);
    // Source timestamps are wall time: no later than the client saw the value, never far behind.
    // (How close the counter keeps to its rate is the benchmark's business, not a test's.)
    for (const { dv, at } of values) {
      const ts = dv.sourceTimestamp!.getTime();
      expect(ts).toBeLessThanOrEqual(at);
      expect(at - ts).toBeLessThan(5_000);
    }
  } finally {
    await client.disconnect();
  }
});
