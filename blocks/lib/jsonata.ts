// What every JSONata block needs: readable errors, compiling once, and model time for $now/$millis.
// blocks/lib holds code blocks share; it is not a block (no block.json).
import jsonata from "jsonata";
import { BlockError, type BlockContext, type Clock, type Message } from "../../runtime/block.ts";

/** JSONata throws plain objects ({ code, position, message, token }); this makes them readable. */
export function jsonataErrorText(error: unknown): string {
  if (error instanceof Error && !("code" in error)) return error.message;
  if (typeof error !== "object" || error === null) return String(error);
  const e = error as { code?: unknown; position?: unknown; message?: unknown };
  const text = typeof e.message === "string" ? e.message : String(error);
  const tags: string[] = [];
  if (typeof e.code === "string") tags.push(e.code);
  if (typeof e.position === "number") tags.push(`at position ${e.position}`);
  return tags.length > 0 ? `${text} (${tags.join(" ")})` : text;
}

/** Compiles `text`, or throws an Error (not JSONata's plain object) naming the code and position. */
export function compileJsonata(text: string): jsonata.Expression {
  try {
    return jsonata(text);
  } catch (error) {
    throw new Error(`invalid JSONata expression: ${jsonataErrorText(error)}`);
  }
}

/**
 * Replaces JSONata's $millis() and $now(), which read the wall clock, with versions that return
 * `modelTime()`: the engine clock's time of the evaluation in progress.
 */
export function bindModelTime(expression: jsonata.Expression, modelTime: () => number): void {
  expression.registerFunction("millis", () => modelTime(), "<:n>");
  expression.registerFunction("now", function (this: jsonata.Focus, picture?: string, timezone?: string) {
    // $now(picture, timezone) is $fromMillis of the current time; use JSONata's own formatter.
    const format = this.environment.lookup("fromMillis") as { implementation: (...args: unknown[]) => string };
    return format.implementation.call(this, modelTime(), picture, timezone);
  }, "<s?s?:s>");
}

/** How long and how much one evaluation may take before it is stopped. */
export interface EvaluationLimits {
  /** Time spent evaluating, not counting the pauses that let the rest of the engine run, nor other work between two steps. */
  timeoutMs: number;
  /** Memory the evaluation allocates for the texts and lists it builds, counted as they are made. */
  memoryLimitMb: number;
}

export const DEFAULT_LIMITS: EvaluationLimits = { timeoutMs: 250, memoryLimitMb: 32 };

/** The limits a block's config sets (timeoutMs, memoryLimitMb); unset ones keep the defaults. */
export function limitsOf(config: { timeoutMs?: number; memoryLimitMb?: number }): Partial<EvaluationLimits> {
  const limits: Partial<EvaluationLimits> = {};
  if (config.timeoutMs !== undefined) limits.timeoutMs = config.timeoutMs;
  if (config.memoryLimitMb !== undefined) limits.memoryLimitMb = config.memoryLimitMb;
  return limits;
}

/** A long evaluation pauses this often so timers, OPC UA and other blocks keep running. */
const SLICE_MS = 5;
const ENTRY = Symbol.for("jsonata.__evaluate_entry");
const EXIT = Symbol.for("jsonata.__evaluate_exit");

/** The budget of the evaluation in progress; the engine runs one message per node at a time. */
class Budget {
  private spentMs = 0;
  private sliceMs = 0;
  private lastStep = 0;
  private bytes = 0;

  constructor(private readonly limits: EvaluationLimits, private readonly now: () => number) {}

  begin(): void {
    this.spentMs = 0;
    this.sliceMs = 0;
    this.bytes = 0;
    this.lastStep = this.now();
  }

  /** Called as JSONata enters each step: stops an evaluation over time, and pauses a long one. */
  enter = (): Promise<void> | undefined => {
    const now = this.now();
    // JSONata awaits between steps, and other blocks' work runs there (a report being rendered, a
    // garbage collection): a gap longer than a slice is not this evaluation's own time.
    this.sliceMs += Math.min(now - this.lastStep, SLICE_MS);
    this.lastStep = now;
    if (this.spentMs + this.sliceMs > this.limits.timeoutMs) throw this.overTime();
    if (this.sliceMs < SLICE_MS) return undefined;
    this.spentMs += this.sliceMs;
    this.sliceMs = 0;
    return new Promise<void>((resolve) => setImmediate(() => {
      this.lastStep = this.now();
      resolve();
    }));
  };

  /** Called with each step's result: counts the texts and lists built. */
  exit = (_expr: unknown, _input: unknown, _env: unknown, result: unknown): void => {
    if (typeof result === "string") this.bytes += 2 * result.length;
    else if (Array.isArray(result)) this.bytes += 8 * result.length;
    else return;
    if (this.bytes > this.limits.memoryLimitMb * 1_048_576) throw this.overMemory();
  };

  private overTime(): BlockError {
    const ms = this.limits.timeoutMs;
    return new BlockError({
      en: `JSONata evaluation stopped: it ran longer than its time limit of ${ms} ms (timeoutMs); is there an endless recursion or a very large range?`,
      "zh-CN": `JSONata 求值被中止：运行时间超过限制 ${ms} 毫秒（timeoutMs）；是否存在无限递归或过大的范围？`,
    });
  }

  private overMemory(): BlockError {
    const mb = this.limits.memoryLimitMb;
    return new BlockError({
      en: `JSONata evaluation stopped: it built more than its memory limit of ${mb} MB (memoryLimitMb) of texts and lists`,
      "zh-CN": `JSONata 求值被中止：生成的文本和列表超过内存限制 ${mb} MB（memoryLimitMb）`,
    });
  }
}

/**
 * A block's JSONata expression over a message: compiled once, $ts/$quality/$source bound,
 * $now/$millis on the engine clock at the start of each evaluation, errors as readable Errors,
 * and every evaluation held to a time and memory limit without stalling the engine.
 */
export class MessageExpression {
  private readonly expression: jsonata.Expression;
  private readonly budget: Budget;
  private evaluatedAt = 0;

  /** `cpuNow`: how the budget reads elapsed time (a test can count instead). */
  constructor(text: string, private readonly clock: Clock, limits: Partial<EvaluationLimits> = {}, cpuNow: () => number = () => performance.now()) {
    this.expression = compileJsonata(text);
    bindModelTime(this.expression, () => this.evaluatedAt);
    this.budget = new Budget({ ...DEFAULT_LIMITS, ...limits }, cpuNow);
    // JSONata's hooks are looked up by symbol in its environment; assign binds any key there.
    this.expression.assign(ENTRY as unknown as string, this.budget.enter);
    this.expression.assign(EXIT as unknown as string, this.budget.exit);
  }

  evaluate(msg: Message): Promise<unknown> {
    this.evaluatedAt = this.clock.now();
    this.budget.begin();
    return this.expression.evaluate(msg.value, { ts: msg.ts, quality: msg.quality, source: msg.source }).then(
      (result: unknown) => result,
      (error: unknown) => {
        if (error instanceof BlockError) throw error;
        const text = jsonataErrorText(error);
        throw new BlockError({ en: `JSONata evaluation failed: ${text}`, "zh-CN": `JSONata 求值失败：${text}` });
      },
    );
  }
}

/** The config of a block that evaluates one expression per message (map, filter). */
export interface ExpressionConfig {
  expression: string;
  timeoutMs?: number;
  memoryLimitMb?: number;
}

export interface ExpressionState {
  expression: MessageExpression | undefined;
}

/** createState and start of such a block: the expression compiled once, with its limits. */
export const expressionBlock = {
  createState: (): ExpressionState => ({ expression: undefined }),
  start(ctx: BlockContext<ExpressionConfig, ExpressionState>): void {
    ctx.state.expression = new MessageExpression(ctx.config.expression, ctx.clock, limitsOf(ctx.config));
  },
};

/** The expression's result for a message. */
export function evaluateFor(ctx: BlockContext<ExpressionConfig, ExpressionState>, msg: Message): Promise<unknown> {
  const expression = ctx.state.expression;
  if (expression === undefined) throw new Error(`${ctx.nodeId} received a message before start`);
  return expression.evaluate(msg);
}
