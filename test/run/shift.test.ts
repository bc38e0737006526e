// The main job's promise: a simulated shift at speed finishes in minutes with the simulator's own counts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runSample } from "../support/cli.ts";
import { lastStored } from "../support/history.ts";


it("captures one 8 h shift on the simulator at speed with exactly the simulator's counts", () => {
  const { run, work } = runSample("line-capture", ["--speed", "900", "--seed", "3", "--for", "8h"]);
  expect(run.status, run.stderr).toBe(0);
  const truth = JSON.parse(readFileSync(join(work, "simulator-truth.json"), "utf8"));
  expect(truth.modelTime - truth.startTime).toBe(8 * 3600_000);
  const stored = lastStored(join(work, "data", "dengta.db"));
  for (const [id, machine] of Object.entries(truth.machines as Record<string, { cycles: number; good: number; scrap: number }>)) {
    expect(machine.cycles).toBeGreaterThan(100);
    expect({ id, cycles: stored[`${id}Cycles`], good: stored[`${id}Good`], scrap: stored[`${id}Scrap`] ?? 0 })
      .toEqual({ id, cycles: machine.cycles, good: machine.good, scrap: machine.scrap });
  }
  // --json: every line the run prints is a JSON record, status reports among them.
  const records = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
  expect(records.some((r) => r.level === "status")).toBe(true);
  expect(records.find((r) => r.level === "truth").machines.m1.cycles).toBe(truth.machines.m1.cycles);
}, 600_000);
