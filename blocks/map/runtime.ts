import jsonata from "jsonata";
import { defineBlock, type BlockContext } from "../../runtime/block.ts";

interface Config {
  expression: string;
}

interface State {
  expression: jsonata.Expression | undefined;
  /** Model time of the evaluation in progress; $now() and $millis() return it. */
  evaluatedAt: number;
}

type Context = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({ expression: undefined, evaluatedAt: 0 }),

  start(ctx) {
    ctx.state.expression = compile(ctx.config.expression);
    useModelTime(ctx.state.expression, ctx);
  },

  onMessage(_port, msg, ctx) {
    const expression = ctx.state.expression;
    if (expression === undefined) throw new Error("map block received a message before start");
    ctx.state.evaluatedAt = ctx.clock.now();
    const bindings = { ts: msg.ts, quality: msg.quality, source: msg.source };
    return expression.evaluate(msg.value, bindings).then(
      (result: unknown) => {
        if (result !== undefined) ctx.emit("out", toPlain(result), { ts: msg.ts, quality: msg.quality });
      },
      (error: unknown) => {
        throw new Error(`JSONata evaluation failed: ${describeJsonataError(error)}`);
      },
    );
  },
});

function compile(text: string): jsonata.Expression {
  try {
    return jsonata(text);
  } catch (error) {
    throw new Error(`invalid JSONata expression: ${describeJsonataError(error)}`);
  }
}

/**
 * JSONata's own $now() and $millis() read the wall clock; a replay or a test on virtual time
 * must see model time instead, like every other block.
 */
function useModelTime(expression: jsonata.Expression, ctx: Context): void {
  expression.registerFunction("millis", () => ctx.state.evaluatedAt, "<:n>");
  expression.registerFunction("now", function (this: jsonata.Focus, picture?: string, timezone?: string) {
    const fromMillis = this.environment.lookup("fromMillis") as { implementation: (...args: unknown[]) => string };
    return fromMillis.implementation.call(this, ctx.state.evaluatedAt, picture, timezone);
  }, "<s?s?:s>");
}

/**
 * JSONata marks the arrays it builds (sequence, keepSingleton) and builds objects without a
 * prototype; downstream blocks expect plain data. Parts that came from the input are kept as they are.
 */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(toPlain);
    const marked = Object.hasOwn(value, "sequence") || Object.hasOwn(value, "keepSingleton");
    return marked || items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, toPlain(item)] as const);
  const changed = Object.getPrototypeOf(value) === null || entries.some(([key, item]) => item !== (value as Record<string, unknown>)[key]);
  return changed ? Object.fromEntries(entries) : value;
}

/** JSONata throws plain objects ({ code, position, message }), not Errors. */
function describeJsonataError(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { code, position, message } = error as { code?: string; position?: number; message?: string };
  const where = [code, position === undefined ? undefined : `at position ${position}`].filter((part) => part !== undefined);
  const text = message ?? String(error);
  return where.length === 0 ? text : `${text} (${where.join(" ")})`;
}
