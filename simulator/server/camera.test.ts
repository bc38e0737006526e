import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AttributeIds, OPCUAClient, TimestampsToReturn, type DataValue } from "node-opcua";
import sharp from "sharp";
import { afterAll, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../index.ts";
import { clientPki, waitFor } from "./test-client.ts";

let root: string;
let sim: RunningSimulator | undefined;

afterAll(async () => {
  await sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

it("pulses PartPresent with the part's serial and shows its picture, stamped with the part's model time", async () => {
  root = mkdtempSync(join(tmpdir(), "dengta-sim-camera-"));
  sim = await startSimulator({ port: 0, speed: 120, seed: 4, pkiDir: join(root, "pki") });
  const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 }, clientCertificateManager: clientPki(root) });
  await client.connect(sim.endpointUrl);
  const session = await client.createSession();
  const ns = (await session.readNamespaceArray()).indexOf("urn:dengta:simulator");
  const subscription = await session.createSubscription2({ requestedPublishingInterval: 5, publishingEnabled: true, requestedMaxKeepAliveCount: 20 });
  const seen: Record<string, DataValue[]> = { PartPresent: [], PartSerial: [], Image: [], Serial: [] };
  const watch = (name: string, nodeId: string) => subscription.monitor({ nodeId: `ns=${ns};s=${nodeId}`, attributeId: AttributeIds.Value },
    { samplingInterval: 0, queueSize: 50 }, TimestampsToReturn.Both).then((item) => item.on("changed", (dv) => seen[name]!.push(dv)));
  await Promise.all([watch("PartPresent", "Station.PartPresent"), watch("PartSerial", "Station.PartSerial"), watch("Image", "Camera.Image"), watch("Serial", "Camera.Serial")]);
  await waitFor(() => seen.Image!.some((dv) => dv.value.value?.length > 0) && seen.PartPresent!.filter((dv) => dv.value.value === false).length >= 2, 25_000);
  await subscription.terminate();
  await session.close();
  await client.disconnect();

  const truth = sim.truth();
  const picture = seen.Image!.find((dv) => dv.value.value?.length > 0)!;
  const serial = seen.Serial!.find((dv) => dv.sourceTimestamp!.getTime() === picture.sourceTimestamp!.getTime())!.value.value as string;
  const part = truth.parts.find((p) => p.serial === serial)!;
  expect(part.time).toBe(picture.sourceTimestamp!.getTime());
  expect(await sharp(picture.value.value as Buffer).metadata()).toMatchObject({ format: "png", width: 640, height: 480 });
  // The first notification of each item is its value at subscription time: a part that passed before.
  const rising = seen.PartPresent!.slice(1).filter((dv) => dv.value.value === true).map((dv) => dv.sourceTimestamp!.getTime());
  const serials = seen.PartSerial!.slice(1).filter((dv) => dv.value.value !== "").map((dv) => [dv.sourceTimestamp!.getTime(), dv.value.value as string] as const);
  expect(serials.length).toBeGreaterThan(0);
  for (const [time, s] of serials) {
    expect(rising).toContain(time);
    expect(truth.parts.find((p) => p.serial === s)?.time).toBe(time);
  }
});
