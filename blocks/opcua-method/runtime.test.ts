import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { libraryBlock } from "../../test/library-block.ts";
import { runWithSite } from "../../test/support/engine-with-site.ts";
import { noneEndpoint, signal } from "../../test/support/opcua-fixtures.ts";
import { node, startTestServer, type TestServer } from "../../test/support/opcua-server.ts";
import method from "./runtime.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("dengta.opcua.method", () => {
  it("calls a method with an array or an object of arguments", async () => {
    const run = await runWithSite({
      nodes: { add: { block: method, config: { methodId: node("Machine.Add") }, outputs: ["result"] } },
      capture: ["add.result"],
      inject: ["add.in"],
      endpoints: noneEndpoint(server),
    });
    run.send("add.in", [2, 3]);
    run.send("add.in", { a: 1.5, b: 4 });
    const results = await run.waitFor("two results", () => run.captured("add.result").length === 2 && run.captured("add.result"));
    await run.stop();
    expect(results.map((m) => m.value)).toEqual([
      { ok: true, status: "Good", outputs: [5], named: { sum: 5 } },
      { ok: true, status: "Good", outputs: [5.5], named: { sum: 5.5 } },
    ]);
  });

  it("finds the method through a signal, with its object from the address space", async () => {
    const run = await runWithSite({
      nodes: { add: { block: method, config: { signal: "add", objectId: node("Machine") }, outputs: ["result"] } },
      capture: ["add.result"],
      inject: ["add.in"],
      signals: { add: signal(node("Machine.Add")) },
      endpoints: noneEndpoint(server),
    });
    run.send("add.in", [10, 20]);
    const result = await run.waitFor("a result", () => run.captured("add.result")[0]);
    await run.stop();
    expect(result.value).toMatchObject({ ok: true, named: { sum: 30 } });
  });

  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    expect(validate({ methodId: "ns=2;s=Machine.Add" })).toBe(true);
    expect(validate({ signal: "add" })).toBe(true);
    expect(validate({})).toBe(false);
    expect(validate({ methodId: "Machine.Add" })).toBe(false);
  });
});
