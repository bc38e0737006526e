import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../simulator/index.ts";
import { libraryBlock } from "../../test/library-block.ts";
import { runWithSite } from "../../test/support/engine-with-site.ts";
import { noneEndpoint, signal } from "../../test/support/opcua-fixtures.ts";
import { node, startTestServer, type TestServer } from "../../test/support/opcua-server.ts";
import write from "./runtime.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function writeRun(config: Record<string, unknown>, nodeId = node("Flag")) {
  return runWithSite({
    nodes: { gate: { block: write, config: { signal: "rejectGate", ...config }, outputs: ["done"] } },
    capture: ["gate.done"],
    inject: ["gate.in"],
    signals: { rejectGate: { direction: "out", ...signal(nodeId) } },
    endpoints: noneEndpoint(server),
  });
}

describe("dengta.opcua.write", () => {
  it("writes a value converted to the node's data type and reports done", async () => {
    const run = await writeRun({});
    run.send("gate.in", 1);
    const done = await run.waitFor("done", () => run.captured("gate.done")[0]);
    expect(done.value).toEqual({ ok: true, status: "Good" });
    expect(server.flag()).toBe(true);
    run.send("gate.in", false);
    await run.waitFor("second done", () => run.captured("gate.done").length === 2);
    expect(server.flag()).toBe(false);
    await run.stop();
  });

  it("pulses: true, then false after pulseMs", async () => {
    server.flagWrites.length = 0;
    const run = await writeRun({ pulseMs: 100 });
    const sentAt = Date.now();
    run.send("gate.in", { reject: true });
    await run.waitFor("done", () => run.captured("gate.done")[0]);
    expect(server.flag()).toBe(true);
    await run.waitFor("the reset", () => server.flagWrites.length === 2);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(100);
    expect(server.flagWrites).toEqual([true, false]);
    run.send("gate.in", false);
    await run.stop();
    expect(server.flagWrites).toEqual([true, false]);
  });

  it("a pulse still on when the APP stops is switched off", async () => {
    server.flagWrites.length = 0;
    const run = await writeRun({ pulseMs: 60_000 });
    run.send("gate.in", true);
    await run.waitFor("done", () => run.captured("gate.done")[0]);
    await run.stop();
    expect(server.flagWrites).toEqual([true, false]);
  });

  it("a failed write reports its status and is not fatal", async () => {
    const run = await writeRun({}, node("NoSuchNode"));
    run.send("gate.in", true);
    const done = await run.waitFor("done", () => run.captured("gate.done")[0]);
    expect(done.value).toEqual({ ok: false, status: "BadNodeIdUnknown" });
    expect(done.quality).toBe("bad");
    expect(run.logs.find((l) => l.level === "warn")?.zh).toContain("写入");
    await run.stop();
  });

  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { signal: "rejectGate", pulseMs: 200 };
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ signal: "rejectGate", pulseMs: 200, timeoutMs: 5000 });
    expect(validate({ signal: "x", pulseMs: 0 })).toBe(false);
    expect(validate({ signals: ["a", "b"] })).toBe(true);
    expect(validate({ signals: ["a", "b"], signal: "a" })).toBe(false);
    expect(validate({ signals: ["a", "b"], pulseMs: 100 })).toBe(false);
    expect(validate({ signals: [] })).toBe(false);
    expect(validate({})).toBe(false);
  });
});

describe("dengta.opcua.write with several signals, on the simulator's reject station", () => {
  const ns = "nsu=urn:dengta:simulator;";
  const signals = {
    rejectSerial: { direction: "out" as const, binding: { endpoint: "sim", nodeId: `${ns}s=Station.RejectSerial` } },
    reject: { direction: "out" as const, binding: { endpoint: "sim", nodeId: `${ns}s=Station.Reject` } },
  };

  it("writes a part's serial and the reject bit in one request, so every reject names its own part", async () => {
    const root = mkdtempSync(join(tmpdir(), "dengta-write-sim-"));
    const sim = await startSimulator({ port: 0, seed: 4, speed: 100, pkiDir: join(root, "pki") });
    try {
      const run = await runWithSite({
        nodes: { gate: { block: write, config: { signals: ["rejectSerial", "reject"] }, outputs: ["done"] } },
        capture: ["gate.done"],
        inject: ["gate.in"],
        signals,
        endpoints: { sim: { url: sim.endpointUrl } },
      });
      // Sent back to back, as rejects close together are: one request each keeps every pair whole.
      const serials = ["M3-000001", "M3-000002", "M3-000003", "M3-000004", "M3-000005"];
      for (const serial of serials) run.send("gate.in", { rejectSerial: serial, reject: true });
      run.send("gate.in", { rejectSerial: "M3-000006" });
      await run.waitFor("six done", () => run.captured("gate.done").length === 6, 20_000);
      await run.stop();
      const done = run.captured("gate.done").map((m) => m.value);
      expect(done.slice(0, 5)).toEqual(serials.map(() => ({ ok: true, status: "Good" })));
      expect(done[5]).toEqual({ ok: false, status: "BadInvalidArgument" });
      expect(run.logs.find((l) => l.level === "warn")?.zh).toContain("缺少 reject");
      expect(sim.truth().rejects.map((r) => r.serial)).toEqual(serials);
    } finally {
      await sim.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses at start signals bound to two endpoints", async () => {
    const run = runWithSite({
      nodes: { gate: { block: write, config: { signals: ["rejectSerial", "reject"] }, outputs: ["done"] } },
      signals: { ...signals, reject: { direction: "out", binding: { endpoint: "other", nodeId: `${ns}s=Station.Reject` } } },
      endpoints: { sim: { url: "opc.tcp://127.0.0.1:1" }, other: { url: "opc.tcp://127.0.0.1:2" } },
    });
    await expect(run).rejects.toThrow(/different endpoints \(sim, other\)/);
  });
});
