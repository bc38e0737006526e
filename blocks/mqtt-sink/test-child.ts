// A bundle-like process for the kill -9 test: the real engine on wall time with one MQTT sink.
// Bundled by runtime.test.ts with esbuild. Usage: <dataDir> <url> <topic> enqueue|deliver
import { defineBlock } from "../../runtime/block.ts";
import { WallClock } from "../../runtime/clock.ts";
import { Engine } from "../../runtime/engine.ts";
import mqttSink from "./runtime.ts";

const [dataDir, url, topic, mode] = process.argv.slice(2) as [string, string, string, string];

const engine = new Engine(
  {
    nodes: [
      { id: "source", block: "source@1", config: {}, outputs: ["out"] },
      { id: "publish", block: "publish@1", config: { url, topic, reconnectMs: 50, maxInFlight: 16 }, outputs: [] },
    ],
    edges: [{ from: { node: "source", port: "out" }, to: { node: "publish", port: "in" } }],
    signals: {},
  },
  { "source@1": defineBlock({}), "publish@1": mqttSink },
  { clock: new WallClock(), dataDir, log: () => {}, openStore: () => ({ get: () => undefined, set() {}, delete() {} }) },
);
await engine.start();

if (mode === "enqueue") enqueueForever();
else await deliverAll();

/** Emits batches until killed, reporting the count after each: the parent kills it mid-stream. */
function enqueueForever(): void {
  let sent = 0;
  const batch = () => {
    for (let i = 0; i < 50; i++) engine.emitFrom("source", "out", ++sent);
    process.stdout.write(`enqueued ${sent}\n`);
    setImmediate(batch);
  };
  batch();
}

async function deliverAll(): Promise<void> {
  while (engine.counters()["publish.outboxDepth"] !== 0 || engine.counters()["publish.connected"] !== 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  process.stdout.write(`delivered ${engine.counters()["publish.published"] ?? 0}\n`);
  await engine.stop();
}
