// A server restart in the middle of a run: the bundle reconnects, restores its subscriptions,
// reports the gap, and still ends with the simulator's counts.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { buildCli, root, tempDir } from "../support/cli.ts";
import { lastStored } from "../support/history.ts";

it("survives a simulator restart mid-run: subscriptions back, gap reported, counts as the ground truth", () => {
  buildCli();
  const cwd = tempDir("restart");
  const app = join(root, "samples/line-capture/line-capture.iapp.yaml");
  const run = spawnSync(process.execPath, [join(root, "bin", "dengta.mjs"), "run", app, "--speed", "300", "--for", "2h", "--fault", "server:restart@1h", "--json"], {
    cwd, encoding: "utf8", timeout: 600_000, env: { ...process.env, LANG: "C.UTF-8" },
  });
  expect(run.status, run.stderr).toBe(0);
  const records = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const messages = records.map((r) => String(r.message ?? ""));
  expect(messages.some((m) => m.startsWith("lost the connection to OPC UA server 'sim'"))).toBe(true);
  expect(messages.some((m) => /^reconnected to OPC UA server 'sim': no data from .* \(\d+ ms\)$/.test(m))).toBe(true);
  expect(records.filter((r) => r.level === "error")).toEqual([]);
  const work = join(cwd, "out", "run", "line-capture");
  const truth = JSON.parse(readFileSync(join(work, "simulator-truth.json"), "utf8"));
  const stored = lastStored(join(work, "data", "dengta.db"));
  for (const [id, machine] of Object.entries(truth.machines as Record<string, { cycles: number; good: number; scrap: number }>)) {
    expect({ id, cycles: stored[`${id}Cycles`], good: stored[`${id}Good`], scrap: stored[`${id}Scrap`] ?? 0 })
      .toEqual({ id, cycles: machine.cycles, good: machine.good, scrap: machine.scrap });
  }
}, 600_000);
