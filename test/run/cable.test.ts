// A pulled cable sends nothing, not even a goodbye: the bundle notices from the missing
// keep-alives, says so, reconnects when the line is back, and goes on receiving.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../simulator/index.ts";
import { cycleCaptureFiles, startBundle } from "../support/bundle-process.ts";
import { dengta, tempDir } from "../support/cli.ts";
import { startCableProxy, type CableProxy } from "../support/tcp-proxy.ts";

let simulator: RunningSimulator;
let cable: CableProxy;
let work: string;

beforeAll(async () => {
  work = tempDir("cable");
  simulator = await startSimulator({ port: 0, speed: 60, pkiDir: join(work, "simulator-pki") });
  cable = await startCableProxy(simulator.endpointUrl);
});

afterAll(async () => {
  await cable.close();
  await simulator.stop();
});

it("notices a pulled cable, reports the gap, and receives again once it is plugged back in", async () => {
  const files = cycleCaptureFiles("cable-capture", "{ simulator: true }");
  writeFileSync(join(work, "app.iapp.yaml"), files.app);
  writeFileSync(join(work, "sim.binding.yaml"), files.binding);
  const bundleDir = join(work, "bundle");
  expect(dengta(["build", join(work, "app.iapp.yaml"), "--binding", join(work, "sim.binding.yaml"), "--out", bundleDir]).status).toBe(0);
  const bundle = startBundle(bundleDir, ["--allow-unsigned", "--no-health", "--clock", "follow", "--data", join(work, "data")], { DENGTA_SIMULATOR_URL: cable.url });

  await bundle.until(() => (bundle.out("cycles") >= 2 ? true : undefined));
  cable.pull();
  await bundle.logged("lost the connection to OPC UA server 'sim'");
  const beforePlug = bundle.out("cycles");
  cable.plug();
  expect(await bundle.logged("reconnected to OPC UA server 'sim'")).toMatch(/no data from .* \(\d+ ms\)/);
  await bundle.until(() => (bundle.out("cycles") > beforePlug ? true : undefined));
  expect(await bundle.stop()).toBe(0);
  expect(bundle.records.filter((r) => r.level === "error")).toEqual([]);
}, 180_000);
