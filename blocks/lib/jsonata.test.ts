import { describe, expect, it } from "vitest";
import { BlockError, type Message } from "../../runtime/block.ts";
import { WallClock } from "../../runtime/clock.ts";
import { MessageExpression } from "./jsonata.ts";

function message(value: unknown): Message {
  return { value, ts: Date.now(), quality: "good", source: "test" };
}

/** Counts how often the event loop ran a timer while `work` was pending. */
async function timerTicksDuring(work: Promise<unknown>): Promise<{ ticks: number; result: PromiseSettledResult<unknown> }> {
  let ticks = 0;
  let done = false;
  const tick = (): void => {
    if (done) return;
    ticks++;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const [result] = await Promise.allSettled([work]);
  done = true;
  return { ticks, result: result! };
}

describe("MessageExpression limits", () => {
  it("lets timers run while a long evaluation is in progress", async () => {
    const expression = new MessageExpression("$count([1..100000][$ % 3 = 0])", new WallClock(), { timeoutMs: 60_000 });
    const { ticks, result } = await timerTicksDuring(expression.evaluate(message(null)));
    expect(result).toEqual({ status: "fulfilled", value: 33_333 });
    // Without the pauses the whole evaluation is one run of promise jobs and no timer fires.
    expect(ticks).toBeGreaterThan(2);
  });

  it("counts only the time spent evaluating, not the pauses, against the time limit", async () => {
    // A clock that moves only when read, so the work is measured the same on a busy machine; a
    // busy part of the APP that runs in each pause moves it on by a minute.
    let now = 0;
    const clock = () => (now += 0.01);
    const text = "$count([1..100000][$ % 3 = 0])";
    const alone = new MessageExpression(text, new WallClock(), { timeoutMs: 60_000 }, clock);
    now = 0;
    await expect(alone.evaluate(message(null))).resolves.toBe(33_333);
    const work = now;
    const expression = new MessageExpression(text, new WallClock(), { timeoutMs: Math.ceil(work * 2) }, clock);
    let pauses = 0;
    const busy = setInterval(() => {
      pauses++;
      now += 60_000;
    }, 0);
    try {
      await expect(expression.evaluate(message(null))).resolves.toBe(33_333);
    } finally {
      clearInterval(busy);
    }
    expect(pauses).toBeGreaterThan(2);
  });

  it("does not count other work that runs between two of its steps", async () => {
    // JSONata awaits between steps: another block's continuation (here a 300 ms report render,
    // as a moved clock) can run there without stopping a one-step filter.
    let now = 0;
    const clock = () => now;
    const expression = new MessageExpression('$ != ""', new WallClock(), { timeoutMs: 250 }, clock);
    const evaluation = expression.evaluate(message("M3-000001"));
    now += 300;
    await expect(evaluation).resolves.toBe(true);
  });

  it("gives a worded error in English and Chinese when the time limit is reached", async () => {
    const expression = new MessageExpression("($f := function($x) { $f($x + 1) }; $f(0))", new WallClock(), { timeoutMs: 30 });
    const error = await expression.evaluate(message(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockError);
    expect((error as BlockError).text["zh-CN"]).toContain("运行时间超过限制 30 毫秒");
  });

  it("starts each evaluation with a fresh budget", async () => {
    const expression = new MessageExpression('$pad("", 300000, "x") ~> $length()', new WallClock(), { memoryLimitMb: 1 });
    for (let i = 0; i < 5; i++) await expect(expression.evaluate(message(null))).resolves.toBe(300_000);
  });

  it("reports JSONata's own errors with their code, in both languages", async () => {
    const expression = new MessageExpression("a + 1", new WallClock());
    const error = await expression.evaluate(message({ a: "text" })).catch((e: unknown) => e);
    expect((error as BlockError).text).toEqual({
      en: expect.stringMatching(/^JSONata evaluation failed: .*T2001 at position 3/),
      "zh-CN": expect.stringMatching(/^JSONata 求值失败：.*T2001/),
    });
  });
});
