import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { libraryBlock } from "../../test/library-block.ts";
import { runWithSite } from "../../test/support/engine-with-site.ts";
import { noneEndpoint, signal } from "../../test/support/opcua-fixtures.ts";
import { MODEL_START, node, startTestServer, type TestServer } from "../../test/support/opcua-server.ts";
import read from "./runtime.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function readRun(config: Record<string, unknown>) {
  return runWithSite({
    nodes: { poll: { block: read, config: { signal: "counter", ...config }, outputs: ["out"] } },
    capture: ["poll.out"],
    inject: ["poll.trigger"],
    signals: { counter: signal(node("Counter")) },
    endpoints: noneEndpoint(server),
  });
}

describe("dengta.opcua.read", () => {
  it("polls every intervalMs on the clock", async () => {
    const run = await readRun({ intervalMs: 20 });
    const values = await run.waitFor("5 reads", () => run.captured("poll.out").length >= 5 && run.captured("poll.out"));
    await run.stop();
    for (const msg of values) expect(msg.ts).toBe(MODEL_START + (msg.value as number) * 10);
  });

  it("reads on a trigger", async () => {
    const run = await readRun({});
    run.send("poll.trigger", true);
    const msg = await run.waitFor("a read", () => run.captured("poll.out")[0]);
    await run.stop();
    expect(msg.quality).toBe("good");
    expect(typeof msg.value).toBe("number");
  });

  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    expect(validate({ signal: "counter", intervalMs: 1000 })).toBe(true);
    expect(validate({ signal: "counter", intervalMs: 0 })).toBe(false);
  });
});
