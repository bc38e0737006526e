/**
 * The nodes that subscribe a Node-RED flow to many OPC UA variables with node-red-contrib-opcua:
 * an endpoint (no security), an inject that runs once at start and hands the client all items in
 * one message (topic "multiple", the contrib node's way to subscribe to many), and the
 * `OpcUa-Client` in subscribe mode, whose first output goes to `next`. Its messages carry the
 * item's NodeId as topic and the whole DataValue as payload.
 */
export interface SubscribeItem {
  nodeId: string;
  datatype: string;
}

export function opcuaSubscribeNodes(prefix: string, tab: string, endpointUrl: string, items: readonly SubscribeItem[], intervalMs: number, next: string): object[] {
  const id = (what: string) => `${prefix}-${what}`;
  return [
    { id: id("endpoint"), type: "OpcUa-Endpoint", endpoint: endpointUrl, secpol: "None", secmode: "None", none: true, login: false, usercert: false, usercertificate: "", userprivatekey: "" },
    {
      id: id("start"), type: "inject", z: tab, name: "subscribe all", props: [{ p: "payload" }, { p: "topic", vt: "str" }],
      repeat: "", crontab: "", once: true, onceDelay: 0.1, topic: "multiple", payload: JSON.stringify(items), payloadType: "json",
      x: 120, y: 80, wires: [[id("client")]],
    },
    {
      id: id("client"), type: "OpcUa-Client", z: tab, name: "subscribe", endpoint: id("endpoint"), action: "subscribe",
      deadbandtype: "a", deadbandvalue: 0, time: intervalMs, timeUnit: "ms", certificate: "n", localfile: "", localkeyfile: "",
      securitymode: "None", securitypolicy: "None", useTransport: false, maxChunkCount: 1, maxMessageSize: 8192,
      receiveBufferSize: 8192, sendBufferSize: 8192, setstatusandtime: false, keepsessionalive: false, applicationName: "", applicationUri: "",
      x: 320, y: 80, wires: [[next], [], []],
    },
  ];
}
