import { describe, expect, it } from "vitest";
import { parseHostMessage, parseWebviewMessage, typeKey } from "./protocol.ts";

describe("protocol", () => {
  it("accepts well-formed messages and refuses anything else", () => {
    expect(parseWebviewMessage({ type: "moveNodes", version: 3, positions: { a: [1, 2] } })).toBeDefined();
    expect(parseWebviewMessage({ type: "moveNodes", version: 3, positions: { a: [1, Number.NaN] } })).toBeUndefined();
    expect(parseWebviewMessage({ type: "connect", version: 1, edge: { from: { node: "a", port: "out" }, to: { node: "b" } } })).toBeUndefined();
    expect(parseWebviewMessage({ type: "toString" })).toBeUndefined();
    expect(parseWebviewMessage({ type: "__proto__" })).toBeUndefined();
    expect(parseWebviewMessage("ready")).toBeUndefined();
    expect(parseWebviewMessage({ type: "addNodes", version: 1, nodes: [{ block: "x@1", position: [0, 0] }], edges: [1] })).toBeUndefined();
    expect(parseHostMessage({ type: "notice", level: "error", text: { en: "a", "zh-CN": "甲" } })).toBeDefined();
    expect(parseHostMessage({ type: "notice", level: "error", text: { en: "a" } })).toBeUndefined();
  });

  it("checks a run's figures and a variable's drop", () => {
    expect(parseHostMessage({ type: "live", running: true, nodes: { a: { in: 1, out: 2, rate: 0.5, errors: 0, last: "true" } } })).toBeDefined();
    expect(parseHostMessage({ type: "live", running: false, nodes: {} })).toBeDefined();
    expect(parseHostMessage({ type: "live", running: true, nodes: { a: { in: -1, out: 2, rate: 0, errors: 0 } } })).toBeUndefined();
    expect(parseHostMessage({ type: "live", running: true, nodes: { a: { in: 1, out: 2, rate: 0, errors: 0, last: 3 } } })).toBeUndefined();
    expect(parseWebviewMessage({ type: "dropVariable", version: 2, drop: { position: [1, 2], node: "a", data: "x" } })).toBeDefined();
    expect(parseWebviewMessage({ type: "dropVariable", version: 2, drop: { position: [1, 2], node: 5 } })).toBeUndefined();
    expect(parseWebviewMessage({ type: "dropVariable", version: 2, drop: { node: "a" } })).toBeUndefined();
  });

  it("keys a port type the same whatever the order of its types", () => {
    expect(typeKey(["string", "object"])).toBe(typeKey(["object", "string"]));
    expect(typeKey("number")).toBe("number");
  });
});
