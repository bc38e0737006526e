// An encrypted connection to a server the box has never seen: refused, with what to check and the
// command to trust it; trusted with `dengta pki trust`; then data flows without a restart.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../simulator/index.ts";
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

const app = `dengta: 1
app: { id: encrypted-capture, version: 1.0.0, title: { en: Encrypted capture, zh-CN: 加密采集 } }
signals:
  cycles: { type: integer, direction: in, title: { en: M1 cycles, zh-CN: 1 号机循环数 } }
nodes:
  cycles: { block: dengta.opcua.subscribe@1, config: { signal: cycles } }
  history: { block: dengta.store.sqlite@1 }
edges:
  - cycles.out -> history.in
`;

const binding = `dengta: 1
app: encrypted-capture@^1
endpoints:
  sim: { simulator: true, security: { mode: SignAndEncrypt, policy: Basic256Sha256 } }
signals:
  cycles: { endpoint: sim, nodeId: "nsu=urn:dengta:simulator;s=M1.CycleCount" }
`;

it("refuses the simulator's unknown certificate until dengta pki trust accepts it, then receives values", async () => {
  writeFileSync(join(work, "app.iapp.yaml"), app);
  writeFileSync(join(work, "sim.binding.yaml"), binding);
  const bundle = join(work, "bundle");
  expect(dengta(["build", join(work, "app.iapp.yaml"), "--binding", join(work, "sim.binding.yaml"), "--out", bundle]).status).toBe(0);
  const data = join(work, "data");
  const child = spawn(process.execPath, [join(bundle, "main.js"), "--allow-unsigned", "--no-health", "--clock", "follow", "--json", "--status-every", "100", "--data", data], {
    env: { ...process.env, DENGTA_SIMULATOR_URL: simulator.endpointUrl, LANG: "C.UTF-8" },
  });
  const records: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    records.push(JSON.parse(line));
    for (const wake of waiters.splice(0)) wake();
  });
  const next = () => new Promise<void>((resolve) => waiters.push(resolve));
  const until = async <T>(find: () => T | undefined): Promise<T> => {
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      await next();
    }
  };

  const refusal = await until(() => records.map((r) => String(r.message ?? "")).find((m) => m.includes("dengta pki trust")));
  expect(refusal).toMatch(/subject/i);
  const thumbprint = /dengta pki trust ([0-9a-f]{40})/i.exec(refusal)![1]!;
  expect(thumbprint.toLowerCase()).toBe(simulator.certificateThumbprint.toLowerCase().replaceAll(":", ""));
  expect(records.some((r) => r.level === "status" && (r.stats as Record<string, { out: number }>).cycles!.out > 0)).toBe(false);

  const trust = dengta(["pki", "trust", thumbprint, "--data", data]);
  expect(trust.status, trust.stderr).toBe(0);
  await until(() => records.find((r) => r.level === "status" && (r.stats as Record<string, { out: number }>).cycles!.out > 0));

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  expect(code).toBe(0);
}, 120_000);
