import { describe, expect, it } from "vitest";
import { runInHarness } from "../test/harness.ts";
import { defineBlock, type Message } from "./block.ts";
import { FollowingClock, VirtualClock } from "./clock.ts";

const passThrough = defineBlock({ onMessage: (_port, msg, ctx) => ctx.emit("out", msg.value) });

/** Resolves each message after a chosen number of microtask turns, to shuffle completion order. */
function slowBlock(seen: unknown[]) {
  return defineBlock({
    async onMessage(_port, msg, ctx) {
      for (let i = 0; i < (msg.value as number) % 5; i++) await Promise.resolve();
      seen.push(msg.value);
      ctx.emit("out", msg.value);
    },
  });
}

describe("engine", () => {
  it("delivers read-only messages with clock time, quality and source", async () => {
    const run = await runInHarness({
      nodes: { a: { block: passThrough, outputs: ["out"] } },
      inject: ["a.in"],
      capture: ["a.out"],
    });
    run.send("a.in", { temperature: 21 });
    await run.runUntil();
    const [msg] = run.captured.get("a.out")!;
    expect(JSON.parse(JSON.stringify(msg))).toEqual({ value: { temperature: 21 }, ts: Date.UTC(2026, 0, 1), quality: "good", source: "a" });
    for (const field of ["value", "ts", "quality", "source"]) {
      expect(() => { (msg as unknown as Record<string, unknown>)[field] = 1; }).toThrow(TypeError);
    }
    expect(msg!.value).toEqual({ temperature: 21 });
    expect(Object.isFrozen(msg!.value)).toBe(true);
  });

  it("passes large buffers by reference, never copied", async () => {
    const image = new Uint8Array(1_000_000);
    const run = await runInHarness({ nodes: { a: { block: passThrough, outputs: ["out"] } }, inject: ["a.in"], capture: ["a.out"] });
    run.send("a.in", image);
    await run.runUntil();
    expect(run.captured.get("a.out")![0]!.value).toBe(image);
  });

  it("gives an asynchronous block its messages one at a time, in order", async () => {
    const seen: unknown[] = [];
    const run = await runInHarness({ nodes: { slow: { block: slowBlock(seen), outputs: ["out"] } }, inject: ["slow.in"], capture: ["slow.out"] });
    const values = Array.from({ length: 50 }, (_, i) => i);
    for (const v of values) run.send("slow.in", v);
    await run.runUntil();
    expect(seen).toEqual(values);
    expect(run.captured.get("slow.out")!.map((m) => m.value)).toEqual(values);
  });

  it("goes on through its queue when a block answers some messages at once and others later", async () => {
    // The first message is asynchronous, so the rest queue; those are handled synchronously.
    const block = defineBlock({
      onMessage(_port, msg, ctx) {
        if (msg.value === 0) return Promise.resolve().then(() => ctx.emit("out", msg.value));
        ctx.emit("out", msg.value);
        return undefined;
      },
    });
    const run = await runInHarness({ nodes: { mixed: { block, outputs: ["out"] } }, inject: ["mixed.in"], capture: ["mixed.out"] });
    for (const v of [0, 1, 2, 3]) run.send("mixed.in", v);
    await run.runUntil();
    expect(run.captured.get("mixed.out")!.map((m) => m.value)).toEqual([0, 1, 2, 3]);
  });

  it("isolates a throwing block: logged, counted, routed to its error port, others keep running", async () => {
    const fragile = defineBlock({
      onMessage(_port, msg, ctx) {
        if (msg.value === 2) throw new Error("cannot handle 2");
        ctx.emit("out", msg.value);
      },
    });
    const run = await runInHarness({
      nodes: { fragile: { block: fragile, outputs: ["out", "error"] }, other: { block: passThrough, outputs: ["out"] } },
      inject: ["fragile.in", "other.in"],
      capture: ["fragile.out", "fragile.error", "other.out"],
    });
    for (const v of [1, 2, 3]) {
      run.send("fragile.in", v);
      run.send("other.in", v);
    }
    await run.runUntil();
    expect(run.captured.get("fragile.out")!.map((m) => m.value)).toEqual([1, 3]);
    expect(run.captured.get("other.out")!.map((m) => m.value)).toEqual([1, 2, 3]);
    const error = run.captured.get("fragile.error")![0]!;
    expect(error.value).toEqual({ message: "cannot handle 2", port: "in", input: 2 });
    expect(error.quality).toBe("bad");
    expect(run.logs).toEqual([{ level: "error", node: "fragile", message: "failed on 'in': cannot handle 2", zh: "处理 'in' 时出错：cannot handle 2" }]);
    expect(run.engine.stats().fragile!.errors).toBe(1);
  });

  it("isolates a rejecting asynchronous block and goes on with its queue", async () => {
    const flaky = defineBlock({
      async onMessage(_port, msg, ctx) {
        await Promise.resolve();
        if (msg.value === "bad") throw new Error("rejected");
        ctx.emit("out", msg.value);
      },
    });
    const run = await runInHarness({ nodes: { flaky: { block: flaky, outputs: ["out"] } }, inject: ["flaky.in"], capture: ["flaky.out"] });
    for (const v of ["a", "bad", "b"]) run.send("flaky.in", v);
    await run.runUntil();
    expect(run.captured.get("flaky.out")!.map((m) => m.value)).toEqual(["a", "b"]);
    expect(run.engine.stats().flaky!.errors).toBe(1);
  });

  it("refuses an emit on a port the block does not declare", async () => {
    const wrong = defineBlock({ onMessage: (_port, msg, ctx) => ctx.emit("nope", msg.value) });
    const run = await runInHarness({ nodes: { wrong: { block: wrong, outputs: ["out"] } }, inject: ["wrong.in"] });
    run.send("wrong.in", 1);
    await run.runUntil();
    expect(run.logs[0]!.message).toContain("has no output port 'nope'");
  });

  describe("a busy block's full queue", () => {
    /** A block that holds every message until `release` is called. */
    function gated() {
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => { release = resolve; });
      const seen: unknown[] = [];
      const block = defineBlock({ async onMessage(_port, msg) { await gate; seen.push(msg.value); } });
      return { block, seen, release: () => release() };
    }

    it("drop-oldest: keeps the newest messages and counts the dropped ones", async () => {
      const stuck = gated();
      const run = await runInHarness({ nodes: { stuck: { block: stuck.block, outputs: [], queue: { size: 3, overflow: "drop-oldest" } } }, inject: ["stuck.in"] });
      for (let i = 0; i < 6; i++) run.send("stuck.in", i);
      stuck.release();
      await run.runUntil();
      // 0 was being handled; 1 and 2 were dropped to make room for 3, 4, 5.
      expect(stuck.seen).toEqual([0, 3, 4, 5]);
      expect(run.engine.stats().stuck!.dropped).toBe(2);
    });

    it("drop-newest: keeps the oldest messages and counts the refused ones", async () => {
      const stuck = gated();
      const run = await runInHarness({ nodes: { stuck: { block: stuck.block, outputs: [], queue: { size: 3, overflow: "drop-newest" } } }, inject: ["stuck.in"] });
      for (let i = 0; i < 6; i++) run.send("stuck.in", i);
      stuck.release();
      await run.runUntil();
      expect(stuck.seen).toEqual([0, 1, 2, 3]);
      expect(run.engine.stats().stuck!.dropped).toBe(2);
    });

    it("block: loses nothing and holds back an asynchronous upstream block until there is room", async () => {
      const stuck = gated();
      const depths: number[] = [];
      let engineRef: { stats(): Record<string, { queued: number }> } | undefined;
      const relay = defineBlock({
        async onMessage(_port, msg, ctx) {
          await Promise.resolve();
          depths.push(engineRef!.stats().slow!.queued);
          ctx.emit("out", msg.value);
        },
      });
      const run = await runInHarness({
        nodes: {
          relay: { block: relay, outputs: ["out"], queue: { size: 100, overflow: "drop-oldest" } },
          slow: { block: stuck.block, outputs: [], queue: { size: 2, overflow: "block" } },
        },
        edges: ["relay.out -> slow.in"],
        inject: ["relay.in"],
      });
      engineRef = run.engine;
      for (let i = 0; i < 10; i++) run.send("relay.in", i);
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      // The relay stops taking messages once slow's queue is full: 1 in slow, 2 queued, the rest wait upstream.
      expect(run.engine.stats().slow!.queued).toBe(2);
      expect(run.engine.stats().relay!.queued).toBeGreaterThan(0);
      stuck.release();
      await run.runUntil();
      expect(stuck.seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(Math.max(...depths)).toBeLessThanOrEqual(2);
      expect(run.engine.stats().slow!.dropped).toBe(0);
    });
  });

  it("shares one resource per key between nodes and closes it after every block has stopped", async () => {
    const events: string[] = [];
    const user = defineBlock({
      start(ctx) {
        const session = ctx.shared("session:plc", () => { events.push(`open by ${ctx.nodeId}`); return { id: 1 }; }, () => { events.push("close"); });
        events.push(`${ctx.nodeId} got ${session.id}`);
      },
      stop(ctx) { events.push(`stop ${ctx.nodeId}`); },
    });
    const run = await runInHarness({ nodes: { a: { block: user, outputs: [] }, b: { block: user, outputs: [] } } });
    await run.stop();
    expect(events).toEqual(["open by b", "b got 1", "a got 1", "stop a", "stop b", "close"]);
  });

  it("starts downstream blocks first and stops sources first, letting their last messages drain", async () => {
    const events: string[] = [];
    const source = defineBlock({
      start: () => { events.push("start source"); },
      stop: (ctx) => { events.push("stop source"); ctx.emit("out", "last words"); },
    });
    const sink = defineBlock({
      start: () => { events.push("start sink"); },
      onMessage: async (_port, msg: Message) => { await Promise.resolve(); events.push(`sink got ${String(msg.value)}`); },
      stop: () => { events.push("stop sink"); },
    });
    const run = await runInHarness({
      nodes: { source: { block: source, outputs: ["out"] }, sink: { block: sink, outputs: [] } },
      edges: ["source.out -> sink.in"],
    });
    await run.stop();
    expect(events).toEqual(["start sink", "start source", "stop source", "sink got last words", "stop sink"]);
  });

  it("keeps each node's state apart when two nodes share a block", async () => {
    const counter = defineBlock<Record<string, never>, { n: number }>({
      createState: () => ({ n: 0 }),
      onMessage: (_port, _msg, ctx) => ctx.emit("out", ++ctx.state.n),
    });
    const run = await runInHarness({
      nodes: { a: { block: counter, outputs: ["out"] }, b: { block: counter, outputs: ["out"] } },
      inject: ["a.in", "b.in"], capture: ["a.out", "b.out"],
    });
    run.send("a.in", 0);
    run.send("a.in", 0);
    run.send("b.in", 0);
    await run.runUntil();
    expect(run.captured.get("a.out")!.map((m) => m.value)).toEqual([1, 2]);
    expect(run.captured.get("b.out")!.map((m) => m.value)).toEqual([1]);
  });

  it("keeps node state in the embedded database across runs", async () => {
    const remember = defineBlock({
      onMessage: (_port, msg, ctx) => {
        ctx.emit("out", ctx.store.get("last") ?? null);
        ctx.store.set("last", msg.value);
      },
    });
    const first = await runInHarness({ nodes: { r: { block: remember, outputs: ["out"] } }, inject: ["r.in"] });
    first.send("r.in", { count: 7 });
    await first.runUntil();
    await first.stop();
    const second = await runInHarness({ nodes: { r: { block: remember, outputs: ["out"] } }, inject: ["r.in"], capture: ["r.out"], dataDir: first.dataDir });
    second.send("r.in", 0);
    await second.runUntil();
    expect(second.captured.get("r.out")![0]!.value).toEqual({ count: 7 });
    await second.stop();
  });
});

describe("virtual clock", () => {
  it("fires timers in due order, ties in the order they were set, and jumps time to each", () => {
    const clock = new VirtualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    const every = clock.setInterval(() => fired.push(`i@${clock.now()}`), 15);
    while (clock.fireNext(1040)) { /* fire all due by 1040 */ }
    clock.clear(every);
    expect(fired).toEqual(["a@1010", "i@1015", "b@1020", "c@1020", "i@1030"]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("stops at the limit and leaves later timers pending", () => {
    const clock = new VirtualClock(0);
    clock.setTimeout(() => {}, 100);
    expect(clock.fireNext(50)).toBe(false);
    expect(clock.pendingTimers()).toBe(1);
  });
});

describe("following clock", () => {
  it("takes time from the sources' timestamps and fires timers due before each one, in order", async () => {
    const events: string[] = [];
    const ticker = defineBlock({
      start(ctx) { ctx.clock.setInterval(() => events.push(`tick@${ctx.clock.now()}`), 1000); },
    });
    const recorder = defineBlock({ onMessage: (_port, msg, ctx) => { events.push(`value ${String(msg.value)}@${msg.ts} now ${ctx.clock.now()}`); } });
    // Started "now" on the wall; the source's time is years earlier, and wins.
    const clock = new FollowingClock(Date.UTC(2030, 0, 1));
    const run = await runInHarness({
      nodes: { ticker: { block: ticker, outputs: [] }, recorder: { block: recorder, outputs: [] } },
      inject: ["recorder.in"],
      clock,
    });
    run.send("recorder.in", "a", 10_000);
    run.send("recorder.in", "b", 12_500);
    run.send("recorder.in", "late", 12_000);
    expect(clock.now()).toBe(12_500);
    expect(events).toEqual([
      "value a@10000 now 10000",
      "tick@11000", "tick@12000",
      "value b@12500 now 12500",
      "value late@12000 now 12500",
    ]);
    await run.stop();
  });
});
