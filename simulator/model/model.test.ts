import { describe, expect, it } from "vitest";
import { parseFault } from "./faults.ts";
import { Line } from "./line.ts";
import { Machine } from "./machine.ts";
import { LINE } from "./machine-spec.ts";
import { Prng } from "./prng.ts";

const START = Date.UTC(2026, 0, 5, 0, 0);
const HOUR = 3_600_000;

describe("model", () => {
  it("is deterministic: the same seed gives the same truth after 8 simulated hours", () => {
    const run = (seed: number) => {
      const line = new Line({ seed, startTime: START });
      line.runUntil(START + 8 * HOUR);
      return line.truth();
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    expect(a.machines.m1.cycles).toBeGreaterThan(1500);
    expect(a.parts.length).toBeGreaterThan(800);
  });

  it("gives unique, increasing serial numbers", () => {
    const line = new Line({ seed: 3, startTime: START });
    line.runUntil(START + 4 * HOUR);
    const serials = line.truth().parts.map((p) => p.serial);
    expect(new Set(serials).size).toBe(serials.length);
    const numbers = serials.map((s) => Number(s.slice(3)));
    expect(numbers.every((n, i) => i === 0 || n > numbers[i - 1]!)).toBe(true);
    expect(serials[0]).toMatch(/^M3-\d{6}$/);
  });

  it("keeps MTBF and MTTR roughly as specified over a long run", () => {
    const spec = LINE[0]!;
    const machine = new Machine(spec, new Prng(11));
    const stepMs = 1000;
    for (let t = START; t < START + 2000 * HOUR; t += stepMs) machine.step(t, stepMs);
    const breakdowns = machine.downtimes.filter((d) => d.state === "down" && d.end !== undefined);
    const mtbf = machine.timeInState.running / breakdowns.length;
    const mttr = breakdowns.reduce((sum, d) => sum + d.end! - d.start, 0) / breakdowns.length;
    expect(mtbf / spec.mtbfMs).toBeGreaterThan(0.8);
    expect(mtbf / spec.mtbfMs).toBeLessThan(1.2);
    expect(mttr / spec.mttrMs).toBeGreaterThan(0.8);
    expect(mttr / spec.mttrMs).toBeLessThan(1.2);
  });

  it("raises temperature above its limit before every wear breakdown", () => {
    const spec = LINE[1]!;
    const machine = new Machine(spec, new Prng(5));
    let aboveSince: number | undefined;
    const warnings: number[] = [];
    for (let t = START; t < START + 200 * HOUR; t += 100) {
      const before = machine.downtimes.length;
      machine.step(t, 100);
      if (machine.temperature > spec.temperatureLimit) aboveSince ??= t;
      const stop = machine.downtimes[before];
      if (stop && stop.reason.code.startsWith("E1")) {
        expect(aboveSince, `breakdown at ${stop.start} without warning`).toBeDefined();
        warnings.push(stop.start - aboveSince!);
      }
      if (stop && stop.state === "down") aboveSince = undefined;
    }
    expect(warnings.length).toBeGreaterThan(10);
    expect(Math.min(...warnings)).toBeGreaterThan(60_000);
  });

  it("applies faults: overheat trips m2, down stops m1 at its time", () => {
    const line = new Line({ seed: 1, startTime: START, faults: [parseFault("m2:overheat@60s"), parseFault("m1:down@2m")] });
    line.runUntil(START + 60_000);
    const before = line.machine("m2").temperature;
    line.runUntil(START + 2 * 60_000 + 100);
    expect(line.machine("m1").state).toBe("down");
    expect(line.truth().machines.m1.downtimes.at(-1)).toMatchObject({ start: START + 120_000, reason: { code: "E900" } });
    line.runUntil(START + 5 * 60_000);
    const trip = line.truth().machines.m2.downtimes.find((d) => d.reason.code === "E201");
    expect(trip).toBeDefined();
    expect(trip!.start).toBeGreaterThan(START + 60_000);
    expect(before).toBeLessThan(LINE[1]!.temperatureLimit);
  });

  it("tells the server when to restart, on model time", () => {
    const restarts: number[] = [];
    const line = new Line({ seed: 1, startTime: START, faults: [parseFault("server:restart@30s")] }, { restart: () => restarts.push(line.now()) });
    line.runUntil(START + 60_000);
    expect(restarts).toEqual([START + 30_000]);
  });

  it("records rejects by serial, with the part's defect", () => {
    const line = new Line({ seed: 2, startTime: START });
    line.runUntil(START + HOUR);
    const part = line.lastPart()!;
    expect(line.reject(part.serial)).toMatchObject({ serial: part.serial, known: true, defect: part.defect });
    expect(line.reject("M3-999999").known).toBe(false);
    expect(line.truth().rejects).toHaveLength(2);
  });
});

describe("parseFault", () => {
  it("reads the three kinds with durations in model time", () => {
    expect(parseFault("m2:overheat@60s")).toEqual({ target: "m2", kind: "overheat", atMs: 60_000 });
    expect(parseFault("server:restart@30s")).toEqual({ target: "server", kind: "restart", atMs: 30_000 });
    expect(parseFault("m1:down@2h")).toEqual({ target: "m1", kind: "down", atMs: 7_200_000 });
    expect(parseFault("m3:down@1500ms").atMs).toBe(1500);
  });

  it("explains bad text in both languages", () => {
    for (const text of ["m4:down@1s", "m1:explode@1s", "m1:down@soon", "garbage"]) {
      expect(() => parseFault(text)).toThrow(/bad fault/);
      try { parseFault(text); } catch (error) { expect((error as { zh: string }).zh).toMatch(/故障描述/); }
    }
  });
});
