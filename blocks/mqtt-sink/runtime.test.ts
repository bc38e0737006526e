import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { build } from "esbuild";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInHarness, type HarnessRun } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import { freePort, startMosquitto, type Mosquitto } from "../../test/support/mosquitto.ts";
import { openDatabase, Outbox } from "../../runtime/storage/index.ts";
import mqttSink from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);
const root = new URL("../../", import.meta.url).pathname;

interface Received {
  topic: string;
  seq: number;
  body: { seq: number; ts: string; source: string; quality: string; value: unknown };
}

/** A QoS 1 subscriber that records what arrives, and re-subscribes after the broker comes back. */
async function subscribe(url: string, filter: string) {
  const received: Received[] = [];
  const client: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 50, clean: true });
  client.on("message", (topic, payload) => {
    const body = JSON.parse(payload.toString()) as Received["body"];
    received.push({ topic, seq: body.seq, body });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    received,
    seqs: () => received.map((r) => r.seq),
    /** After a broker restart: waits for the reconnect, then subscribes again (the broker kept nothing). */
    async resubscribe() {
      await waitFor(() => client.connected, "subscriber reconnected");
      await client.subscribeAsync(filter, { qos: 1 });
    },
    close: () => client.endAsync(true),
  };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** First arrival of each sequence number, in arrival order: at-least-once with dedup by seq. */
function firstArrivals(seqs: number[]): number[] {
  const seen = new Set<number>();
  return seqs.filter((seq) => !seen.has(seq) && seen.add(seq));
}

const upTo = (n: number, from = 1) => Array.from({ length: n - from + 1 }, (_, i) => from + i);

function startSink(config: Record<string, unknown>, dataDir?: string) {
  return runInHarness({
    nodes: { publish: { block: mqttSink, config: { reconnectMs: 50, ...config }, outputs: [] } },
    inject: ["publish.in"],
    startMs: START,
    ...(dataDir === undefined ? {} : { dataDir }),
  });
}

const counter = (run: HarnessRun, name: string) => run.engine.counters()[`publish.${name}`] ?? 0;

describe("dengta.mqtt.publish", () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it("publishes every message with QoS 1, in order, as {seq, ts, source, quality, value}", async () => {
    const sub = await subscribe(broker.url, "plant/order/#");
    const run = await startSink({ url: broker.url, topic: "plant/order/{source}" });
    await waitFor(() => counter(run, "connected") === 1, "sink connected");
    run.send("publish.in", 21.5, START + 1);
    run.engine.emitFrom("__inject", "p0", { a: [1, "x"] }, { ts: START + 2, quality: "uncertain" });
    for (let n = 3; n <= 500; n++) run.send("publish.in", n, START + n);
    await waitFor(() => sub.received.length >= 500, "500 messages");
    expect(sub.seqs()).toEqual(upTo(500));
    expect(sub.received[0]).toEqual({
      topic: "plant/order/__inject",
      seq: 1,
      body: { seq: 1, ts: "2026-01-01T00:00:00.001Z", source: "__inject", quality: "good", value: 21.5 },
    });
    expect(sub.received[1]!.body).toMatchObject({ quality: "uncertain", value: { a: [1, "x"] } });
    await waitFor(() => counter(run, "outboxDepth") === 0, "outbox empty");
    expect(counter(run, "published")).toBe(500);
    expect(counter(run, "outboxBytes")).toBe(0);
    await run.stop();
    await sub.close();
  });

  it("keeps messages while the broker is down and delivers all of them in order when it is back", async () => {
    const sub = await subscribe(broker.url, "plant/outage");
    const run = await startSink({ url: broker.url, topic: "plant/outage", maxInFlight: 4 });
    await waitFor(() => counter(run, "connected") === 1, "sink connected");
    for (let n = 1; n <= 50; n++) run.send("publish.in", n);
    await waitFor(() => sub.received.length >= 50, "first 50");

    await broker.stop();
    await waitFor(() => counter(run, "connected") === 0, "sink sees the outage");
    for (let n = 51; n <= 300; n++) run.send("publish.in", n);
    expect(counter(run, "outboxDepth")).toBe(250);

    await broker.restart();
    await sub.resubscribe();
    // The sink's retry timer runs on the harness's virtual clock: fire it now that the subscriber is back.
    run.clock.fireNext();
    await waitFor(() => new Set(sub.seqs()).size >= 300, "all 300 after the outage");
    expect(firstArrivals(sub.seqs())).toEqual(upTo(300));
    expect(sub.received.map((r) => r.body.value)).toEqual(sub.seqs());
    await waitFor(() => counter(run, "outboxDepth") === 0, "outbox empty");
    expect(counter(run, "reconnects")).toBe(1);
    expect(run.logs.filter((l) => l.level === "warn").map((l) => l.message)).toContain(
      `lost the connection to ${broker.url}; messages are kept in the outbox`,
    );
    await run.stop();
    await sub.close();
  });

  it("loses nothing when killed with -9 while buffering (child process, real engine on wall time)", async () => {
    const child = join(root, "node_modules", ".cache", "dengta-tests", "mqtt-sink-child.mjs");
    await build({
      entryPoints: [join(root, "blocks/mqtt-sink/test-child.ts")], outfile: child, bundle: true,
      platform: "node", format: "esm", target: "node22.13", packages: "external", logLevel: "warning",
    });
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-mqtt-kill-"));
    const sub = await subscribe(broker.url, "plant/kill");
    await broker.stop();

    const first = spawn(process.execPath, [child, dataDir, broker.url, "plant/kill", "enqueue"], { stdio: ["ignore", "pipe", "inherit"] });
    let reported = 0;
    for await (const line of createInterface({ input: first.stdout! })) {
      reported = Number(line.split(" ")[1]);
      if (reported >= 2000) break;
    }
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));

    const db = openDatabase(join(dataDir, "dengta.db"));
    const stored = new Outbox(db, "publish").stats();
    db.close();
    expect(stored.lastSeq).toBeGreaterThanOrEqual(reported);
    expect(stored.depth).toBe(stored.lastSeq);

    await broker.restart();
    await sub.resubscribe();
    const second = spawn(process.execPath, [child, dataDir, broker.url, "plant/kill", "deliver"], { stdio: ["ignore", "pipe", "inherit"] });
    const exitCode = await new Promise((resolve) => second.once("exit", resolve));
    expect(exitCode).toBe(0);
    await waitFor(() => new Set(sub.seqs()).size >= stored.lastSeq, `all ${stored.lastSeq} after the restart`);
    expect(firstArrivals(sub.seqs())).toEqual(upTo(stored.lastSeq));
    console.log(`kill -9: ${stored.lastSeq} enqueued before the kill, all delivered; ${sub.received.length - stored.lastSeq} duplicates`);
    await sub.close();
  });

  it("meters a full outbox: refuse-new counts refused, drop-oldest counts dropped and delivers the newest", async () => {
    const nowhere = `mqtt://127.0.0.1:${await freePort()}`;
    const refusing = await startSink({ url: nowhere, topic: "t", outboxMaxBytes: 1024, overflow: "refuse-new" });
    for (let n = 1; n <= 100; n++) refusing.send("publish.in", n);
    const kept = counter(refusing, "outboxDepth");
    expect(kept).toBeGreaterThan(0);
    expect(counter(refusing, "refused")).toBe(100 - kept);
    expect(counter(refusing, "outboxBytes")).toBeLessThanOrEqual(1024);
    expect(refusing.logs.filter((l) => l.message.includes("refuse-new"))).toHaveLength(1);
    await refusing.stop();

    const dataDir = mkdtempSync(join(tmpdir(), "dengta-mqtt-drop-"));
    const dropping = await startSink({ url: nowhere, topic: "plant/drop", outboxMaxBytes: 1024, overflow: "drop-oldest" }, dataDir);
    for (let n = 1; n <= 100; n++) dropping.send("publish.in", n);
    const depth = counter(dropping, "outboxDepth");
    expect(counter(dropping, "dropped")).toBe(100 - depth);
    await dropping.stop();

    // Restarted with the broker reachable: what was kept goes out, the gap shows in the sequence numbers.
    const sub = await subscribe(broker.url, "plant/drop");
    const resumed = await startSink({ url: broker.url, topic: "plant/drop" }, dataDir);
    await waitFor(() => sub.received.length >= depth, "kept messages");
    expect(sub.seqs()).toEqual(upTo(100, 100 - depth + 1));
    await resumed.stop();
    await sub.close();
  });

  it("stops promptly with the broker down and keeps the rest for the next start", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-mqtt-stop-"));
    const nowhere = `mqtt://127.0.0.1:${await freePort()}`;
    const run = await startSink({ url: nowhere, topic: "t" }, dataDir);
    for (let n = 1; n <= 10; n++) run.send("publish.in", n);
    await run.stop();
    expect(run.logs.map((l) => l.message)).toContain("10 messages stay in the outbox for the next start");
    const again = await startSink({ url: nowhere, topic: "t" }, dataDir);
    expect(counter(again, "outboxDepth")).toBe(10);
    await again.stop();
  });

  it("refuses to start when a secret it needs is not set on the box", async () => {
    await expect(startSink({ url: broker.url, topic: "t", password: { secret: "mqtt-password" } })).rejects.toThrow(
      /secret 'mqtt-password' is not set.*DENGTA_SECRET_MQTT_PASSWORD/,
    );
  });

  it("measures throughput with one message in flight and with a window", async () => {
    const results: string[] = [];
    for (const maxInFlight of [1, 16]) {
      const sub = await subscribe(broker.url, `plant/speed/${maxInFlight}`);
      const run = await startSink({ url: broker.url, topic: `plant/speed/${maxInFlight}`, maxInFlight });
      await waitFor(() => counter(run, "connected") === 1, "sink connected");
      const count = 2000;
      const started = performance.now();
      for (let n = 1; n <= count; n++) run.send("publish.in", n);
      const enqueued = performance.now();
      await waitFor(() => counter(run, "published") >= count, "all published", 60_000);
      const done = performance.now();
      const rate = (from: number, to: number) => Math.round(count / ((to - from) / 1000));
      results.push(`maxInFlight ${maxInFlight}: durable enqueue ${rate(started, enqueued)} msg/s, delivery after enqueue ${rate(enqueued, done)} msg/s, end to end ${rate(started, done)} msg/s`);
      await waitFor(() => sub.received.length >= count, "all received");
      expect(sub.seqs()).toEqual(upTo(count));
      await run.stop();
      await sub.close();
    }
    console.log(results.join("\n"));
  });

  it("has a valid manifest and config schema", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { url: "mqtt://127.0.0.1:1883", topic: "plant/{source}" };
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({
      url: "mqtt://127.0.0.1:1883", topic: "plant/{source}", qos: 1, outboxMaxBytes: 268435456,
      overflow: "drop-oldest", maxInFlight: 16, reconnectMs: 1000, stopFlushMs: 2000,
    });
    const base = { url: "mqtt://h:1883", topic: "t" };
    expect(validateConfig({ ...base, username: "u", password: { secret: "mqtt-password" } })).toBe(true);
    expect(validateConfig({ ...base, username: { secret: "mqtt-user" } })).toBe(true);
    expect(validateConfig({ ...base, password: "plain-text" })).toBe(false);
    expect(validateConfig({ ...base, qos: 2 })).toBe(false);
    expect(validateConfig({ ...base, topic: "plant/#" })).toBe(false);
    expect(validateConfig({ ...base, url: "http://h" })).toBe(false);
    expect(validateConfig({ ...base, overflow: "block" })).toBe(false);
    expect(validateConfig({ topic: "t" })).toBe(false);
  });
});

