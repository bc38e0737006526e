// The OPC UA Devices view against the simulator, started as the extension starts it: add a secured
// endpoint, trust its certificate, browse, and bind a variable to a signal or drop it on the canvas.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import { parse } from "yaml";
import type { DeviceElement } from "../src/devices/devices-view.ts";
import { variableUri } from "../src/devices/variable-uri.ts";
import { api, closeAll, openCanvas, sampleCopy, startSimulator, until, type SimulatorProcess } from "./helpers.ts";

type NodeElement = Extract<DeviceElement, { kind: "node" }>;

describe("OPC UA Devices view", function () {
  this.timeout(120_000);
  let simulator: SimulatorProcess;

  before(async () => {
    simulator = await startSimulator();
  });
  after(async () => {
    await simulator?.stop();
  });
  afterEach(closeAll);

  async function children(element?: DeviceElement): Promise<DeviceElement[]> {
    return (await api()).devices.getChildren(element);
  }

  async function find(parent: DeviceElement, name: string): Promise<NodeElement> {
    const found = (await children(parent)).find((e): e is NodeElement => e.kind === "node" && e.item.browseName.replace(/^\d+:/, "") === name);
    assert.ok(found, `${name} under ${JSON.stringify(parent)}: ${JSON.stringify((await children(parent)).map((e) => e.kind === "node" ? e.item.browseName : e.kind))}`);
    return found;
  }

  it("adds a secured endpoint, browses only after its certificate is trusted, and finds a machine's variables", async () => {
    await vscode.commands.executeCommand("dengta.devices.add", { url: simulator.url, securityMode: "SignAndEncrypt", securityPolicy: "Basic256Sha256", trust: false });
    const endpoint = (await children()).find((e) => e.kind === "endpoint" && e.endpoint.url === simulator.url);
    assert.ok(endpoint?.kind === "endpoint");
    const refused = await children(endpoint);
    assert.equal(refused.length, 1);
    assert.ok(refused[0]!.kind === "message" && refused[0]!.untrusted, JSON.stringify(refused));

    await vscode.commands.executeCommand("dengta.devices.trust", endpoint.endpoint.id, { ask: false });
    const temperature = await find(await find(await find(endpoint, "Machines"), "M1"), "Temperature");
    assert.equal(temperature.item.nodeId, "nsu=urn:dengta:simulator;s=M1.Temperature");
    assert.equal(temperature.item.nodeClass, "Variable");
  });

  it("binds a variable to a signal of the APP: the binding file gets the endpoint and the node id", async () => {
    const app = sampleCopy("temperature-watch");
    const { devices } = await api();
    const endpoint = (await children()).find((e) => e.kind === "endpoint")!;
    const temperature = await find(await find(await find(endpoint, "Machines"), "M2"), "Temperature");
    await vscode.commands.executeCommand("dengta.devices.bind", temperature, { app, signal: "m1Temperature" });
    const binding = parse(readFileSync(join(app.fsPath, "..", "simulator.binding.yaml"), "utf8"));
    const id = endpoint.kind === "endpoint" ? endpoint.endpoint.id : "";
    assert.deepEqual(binding.signals.m1Temperature, { endpoint: id, nodeId: "nsu=urn:dengta:simulator;s=M2.Temperature" });
    assert.deepEqual(binding.endpoints[id], { url: simulator.url, security: { mode: "SignAndEncrypt", policy: "Basic256Sha256" } });
    assert.deepEqual(binding.endpoints.sim, { simulator: true });
    assert.ok(devices);
  });

  it("adds a subscribe block with a new signal for a variable dropped on an empty part of the canvas", async () => {
    const app = sampleCopy("temperature-watch");
    const canvas = await openCanvas(app);
    const endpoint = (await children()).find((e) => e.kind === "endpoint")!;
    const vibration = await find(await find(await find(endpoint, "Machines"), "M3"), "Vibration");
    const ref = { endpoint: vibration.endpoint, nodeId: vibration.item.nodeId, browseName: vibration.item.browseName, dataType: vibration.item.dataType ?? "" };
    await canvas.receive({ type: "dropVariable", version: canvas.document.version, drop: { position: [40, 320], data: variableUri(ref) } });
    const text = await until("the new block", () => canvas.document.getText().includes("dengta.opcua.subscribe@1, config: { signal: vibration }") && canvas.document.getText());
    const doc = parse(text);
    assert.deepEqual(doc.signals.vibration, { type: "number", direction: "in", title: { en: "Vibration", "zh-CN": "Vibration" } });
    assert.deepEqual(doc.layout.vibration, [40, 320]);
    const binding = parse(readFileSync(join(app.fsPath, "..", "simulator.binding.yaml"), "utf8"));
    assert.equal(binding.signals.vibration.nodeId, "nsu=urn:dengta:simulator;s=M3.Vibration");
  });
});
