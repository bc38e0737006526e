import { expect, it } from "vitest";
import { parseVariableUri, variableUri } from "./variable-uri.ts";

it("carries a variable through a drag's text and back", () => {
  const ref = { endpoint: "plc3", nodeId: "nsu=urn:dengta:simulator;s=M1.Temperature", browseName: "Temperature", dataType: "Double" };
  const text = variableUri(ref);
  expect(parseVariableUri(text)).toEqual(ref);
  expect(parseVariableUri(`file:///a.txt\r\n${text}`)).toEqual(ref);
});

it("ignores text that is not a variable of the Devices view", () => {
  expect(parseVariableUri("file:///a.txt")).toBeUndefined();
  expect(parseVariableUri("dengta-opcua://x/?name=T")).toBeUndefined();
  expect(parseVariableUri("dengta-opcua://%E0%A4%A/?node=i=1&name=a")).toBeUndefined();
});
