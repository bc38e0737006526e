import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  });
});
