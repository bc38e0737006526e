import { defineBlock } from "../../runtime/block.ts";
import { MessageExpression, limitsOf } from "../lib/jsonata.ts";

interface Config {
  expression: string;
  timeoutMs?: number;
  memoryLimitMb?: number;
}

interface State {
  expression: MessageExpression | undefined;
}

export default defineBlock<Config, State>({
  createState: () => ({ expression: undefined }),

  start(ctx) {
    ctx.state.expression = new MessageExpression(ctx.config.expression, ctx.clock, limitsOf(ctx.config));
  },

  onMessage(_port, msg, ctx) {
    const expression = ctx.state.expression;
    if (expression === undefined) throw new Error("map block received a message before start");
    return expression.evaluate(msg).then((result) => {
      if (result !== undefined) ctx.emit("out", toPlain(result), { ts: msg.ts, quality: msg.quality });
    });
  },
});

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
