// A pulled cable sends nothing, not even a goodbye: the bundle notices from the missing
// keep-alives, says so, reconnects when the line is back, and goes on receiving.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../simulator/index.ts";
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

const app = `dengta: 1
app: { id: cable-capture, version: 1.0.0, title: { en: Cable capture, zh-CN: 断线采集 } }
signals:
  cycles: { type: integer, direction: in, title: { en: M1 cycles, zh-CN: 1 号机循环数 } }
nodes:
  cycles: { block: dengta.opcua.subscribe@1, config: { signal: cycles } }
  history: { block: dengta.store.sqlite@1 }
edges:
  - cycles.out -> history.in
`;

const binding = `dengta: 1
app: cable-capture@^1
endpoints:
  sim: { simulator: true }
signals:
  cycles: { endpoint: sim, nodeId: "nsu=urn:dengta:simulator;s=M1.CycleCount" }
`;

it("notices a pulled cable, reports the gap, and receives again once it is plugged back in", async () => {
  writeFileSync(join(work, "app.iapp.yaml"), app);
  writeFileSync(join(work, "sim.binding.yaml"), binding);
  const bundle = join(work, "bundle");
  expect(dengta(["build", join(work, "app.iapp.yaml"), "--binding", join(work, "sim.binding.yaml"), "--out", bundle]).status).toBe(0);
  const child = spawn(process.execPath, [join(bundle, "main.js"), "--allow-unsigned", "--no-health", "--clock", "follow", "--json", "--status-every", "100", "--data", join(work, "data")], {
    env: { ...process.env, DENGTA_SIMULATOR_URL: cable.url, LANG: "C.UTF-8" },
  });
  const records: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    records.push(JSON.parse(line));
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async <T>(find: () => T | undefined): Promise<T> => {
    for (let found = find(); ; found = find()) {
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const valuesOut = () => {
    const status = records.filter((r) => r.level === "status").at(-1);
    return status ? (status.stats as Record<string, { out: number }>).cycles!.out : 0;
  };
  const logged = (start: string) => () => records.map((r) => String(r.message ?? "")).find((m) => m.startsWith(start));

  await until(() => (valuesOut() >= 2 ? true : undefined));
  cable.pull();
  await until(logged("lost the connection to OPC UA server 'sim'"));
  const beforePlug = valuesOut();
  cable.plug();
  const gap = await until(logged("reconnected to OPC UA server 'sim'"));
  expect(gap).toMatch(/no data from .* \(\d+ ms\)/);
  await until(() => (valuesOut() > beforePlug ? true : undefined));

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  expect(code).toBe(0);
  expect(records.filter((r) => r.level === "error")).toEqual([]);
}, 180_000);
