// Run with simulator: the simulator and the APP as child processes, the APP's figures live on its
// canvas, a saved change restarting only the APP, and stop.
import { strict as assert } from "node:assert";
import * as vscode from "vscode";
import type { HostMessage, LiveNodeStats } from "../../webview/protocol.ts";
import { api, closeAll, openCanvas, sampleCopy, until } from "./helpers.ts";

type Live = Record<string, LiveNodeStats>;

describe("Run with simulator", function () {
  this.timeout(180_000);
  afterEach(async () => {
    await vscode.commands.executeCommand("dengta.stop");
    await closeAll();
  });

  it("runs the APP on the simulator, shows its figures live, restarts it after a saved change, and stops", async () => {
    const app = sampleCopy("temperature-watch");
    const canvas = await openCanvas(app);
    const live: Live[] = [];
    let cleared = false;
    canvas.onPost = (message: HostMessage) => {
      if (message.type !== "live") return;
      if (message.running) live.push(message.nodes);
      else cleared = true;
    };
    await vscode.commands.executeCommand("dengta.run", app);
    const { run } = await api();
    assert.ok(run.running);
    // A value on the edge out of the subscription, and one that changes: the line is running.
    const first = await until("a live temperature", () => live.find((l) => l.temperature?.last !== undefined), 90_000);
    await until("the temperature to change", () => live.some((l) => l.temperature!.out > first.temperature!.out), 60_000);
    assert.ok(Number.isFinite(Number(first.temperature!.last)), JSON.stringify(first));

    // The limit above the press's temperature: after the restart the threshold says false.
    await canvas.receive({ type: "setConfig", version: canvas.document.version, node: "limit", config: { limit: 80, direction: "above", hysteresis: 0.2 } });
    const restarts = run.restarts;
    await canvas.document.save();
    await until("the APP restarted", () => run.restarts > restarts, 90_000);
    const seen = live.length - 1;
    await until("the threshold below its new limit", () => live.slice(seen).find((l) => l.limit?.last === "false"), 60_000);
    assert.ok(live.slice(seen).every((l) => l.limit?.last !== "true"), "no alarm after the limit went up");

    await vscode.commands.executeCommand("dengta.stop");
    assert.equal(run.running, false);
    assert.ok(cleared, "the canvas was told the run ended");
  });
});
