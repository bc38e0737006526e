import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { libraryBlock } from "../../test/library-block.ts";
import { runWithSite } from "../../test/support/engine-with-site.ts";
import { noneEndpoint } from "../../test/support/opcua-fixtures.ts";
import { MANY_NODES, node, startTestServer, type TestServer } from "../../test/support/opcua-server.ts";
import browse, { type BrowsedNode } from "./runtime.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function browseOnce(config: Record<string, unknown>) {
  const run = await runWithSite({
    nodes: { tree: { block: browse, config, outputs: ["out"] } },
    capture: ["tree.out"],
    endpoints: noneEndpoint(server),
  });
  const msg = await run.waitFor("the list", () => run.captured("tree.out")[0]);
  await run.stop();
  return { run, nodes: msg.value as BrowsedNode[] };
}

describe("dengta.opcua.browse", () => {
  it("lists nodes below a start node with their class and data type", async () => {
    const { nodes } = await browseOnce({ nodeId: node("Machine"), depth: 1 });
    const counter = nodes.find((n) => n.browseName.endsWith("Counter"));
    expect(counter).toMatchObject({ displayName: "Counter", nodeClass: "Variable", dataType: "Double" });
    expect(nodes.find((n) => n.displayName === "Add")).toMatchObject({ nodeClass: "Method" });
  });

  it("stops at maxNodes and says so", async () => {
    const { run, nodes } = await browseOnce({ nodeId: node("Many"), depth: 3, maxNodes: 10 });
    expect(nodes).toHaveLength(10);
    expect(MANY_NODES).toBeGreaterThan(10);
    expect(run.logs.some((l) => l.level === "warn" && l.en.includes("maxNodes"))).toBe(true);
  });

  it("browses the Objects folder by default, to depth 2", async () => {
    const { nodes } = await browseOnce({});
    expect(nodes.some((n) => n.displayName === "Server")).toBe(true);
    expect(nodes.some((n) => n.displayName === "Counter")).toBe(true);
  });

  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = {};
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ nodeId: "i=85", depth: 2, maxNodes: 500, onStart: true, timeoutMs: 10000 });
    expect(validate({ depth: 0 })).toBe(false);
  });
});
