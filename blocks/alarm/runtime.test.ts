import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInHarness } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import alarm from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);
const config = { name: "M2 over-temperature", severity: "high", message: { en: "M2 is too hot", "zh-CN": "2 号机温度过高" } };

async function drive(inputs: Array<["condition" | "ack", unknown]>, dataDir?: string) {
  const run = await runInHarness({
    nodes: { alarm: { block: alarm, config, outputs: ["event"] } },
    inject: ["alarm.condition", "alarm.ack"],
    capture: ["alarm.event"],
    ...(dataDir ? { dataDir } : {}),
  });
  inputs.forEach(([port, value], i) => run.send(`alarm.${port}`, value, START + i * 1000));
  await run.runUntil();
  await run.stop();
  const events = (run.captured.get("alarm.event") ?? []).map((m) => m.value as Record<string, unknown>);
  return { run, events, transitions: events.map((e) => `${e.transition}→${e.state}`) };
}

describe("dengta.quality.alarm", () => {
  it("raise, acknowledge, clear: the usual path", async () => {
    const { events, transitions } = await drive([["condition", false], ["condition", true], ["condition", true], ["ack", { by: "王工" }], ["condition", false]]);
    expect(transitions).toEqual(["raised→unacknowledged", "acknowledged→acknowledged", "cleared→normal"]);
    expect(events[0]).toMatchObject({ alarm: "M2 over-temperature", severity: "high", active: true, acknowledged: false, message: config.message });
    expect(events[1]).toMatchObject({ by: "王工", active: true, acknowledged: true });
    expect(events[2]).toMatchObject({ active: false, acknowledged: true });
  });

  it("a condition gone before anyone acknowledged stays until acknowledged (return to normal, unacknowledged)", async () => {
    const { events, transitions } = await drive([["condition", true], ["condition", false], ["ack", "operator-7"]]);
    expect(transitions).toEqual(["raised→unacknowledged", "cleared→cleared-unacknowledged", "reset→normal"]);
    expect(events[1]).toMatchObject({ active: false, acknowledged: false });
    expect(events[2]).toMatchObject({ by: "operator-7" });
  });

  it("raises again when the condition returns before the acknowledgement", async () => {
    const { transitions } = await drive([["condition", true], ["condition", false], ["condition", true]]);
    expect(transitions).toEqual(["raised→unacknowledged", "cleared→cleared-unacknowledged", "raised→unacknowledged"]);
  });

  it("ignores an acknowledgement with nothing to acknowledge, and counts it", async () => {
    const { run, events } = await drive([["ack", "someone"], ["condition", true], ["ack", "a"], ["ack", "b"]]);
    expect(events).toHaveLength(2);
    expect(run.engine.counters()["alarm.ackIgnored"]).toBe(2);
  });

  it("keeps an unacknowledged alarm across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-alarm-"));
    await drive([["condition", true]], dataDir);
    const { transitions } = await drive([["ack", "after restart"]], dataDir);
    expect(transitions).toEqual(["acknowledged→acknowledged"]);
  });

  it("carries the input's timestamp", async () => {
    const { run } = await drive([["condition", true]]);
    expect(run.captured.get("alarm.event")![0]!.ts).toBe(START);
  });

  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const filled: Record<string, unknown> = { name: "x", message: { en: "x", "zh-CN": "x" } };
    expect(validate(filled)).toBe(true);
    expect(filled.severity).toBe("medium");
    expect(validate({ name: "x", message: { en: "only English" } })).toBe(false);
  });
});
