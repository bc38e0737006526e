// An encrypted connection to a server the box has never seen: refused, with what to check and the
// command to trust it; trusted with `dengta pki trust`; then data flows without a restart.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../simulator/index.ts";
import { cycleCaptureFiles, startBundle } from "../support/bundle-process.ts";
import { dengta, tempDir } from "../support/cli.ts";

let simulator: RunningSimulator;
let work: string;

beforeAll(async () => {
  work = tempDir("trust");
  simulator = await startSimulator({ port: 0, speed: 60, pkiDir: join(work, "simulator-pki") });
});

afterAll(async () => {
  await simulator.stop();
});

it("refuses the simulator's unknown certificate until dengta pki trust accepts it, then receives values", async () => {
  const files = cycleCaptureFiles("encrypted-capture", "{ simulator: true, security: { mode: SignAndEncrypt, policy: Basic256Sha256 } }");
  writeFileSync(join(work, "app.iapp.yaml"), files.app);
  writeFileSync(join(work, "sim.binding.yaml"), files.binding);
  const bundleDir = join(work, "bundle");
  expect(dengta(["build", join(work, "app.iapp.yaml"), "--binding", join(work, "sim.binding.yaml"), "--out", bundleDir]).status).toBe(0);
  const data = join(work, "data");
  const bundle = startBundle(bundleDir, ["--allow-unsigned", "--no-health", "--clock", "follow", "--data", data], { DENGTA_SIMULATOR_URL: simulator.endpointUrl });

  const refusal = await bundle.until(() => bundle.records.map((r) => String(r.message ?? "")).find((m) => m.includes("dengta pki trust")));
  expect(refusal).toMatch(/subject/i);
  const thumbprint = /dengta pki trust ([0-9a-f]{40})/i.exec(refusal)![1]!;
  expect(thumbprint.toLowerCase()).toBe(simulator.certificateThumbprint.toLowerCase().replaceAll(":", ""));
  expect(bundle.out("cycles")).toBe(0);

  const trust = dengta(["pki", "trust", thumbprint, "--data", data]);
  expect(trust.status, trust.stderr).toBe(0);
  await bundle.until(() => (bundle.out("cycles") > 0 ? true : undefined));
  expect(await bundle.stop()).toBe(0);
}, 120_000);
