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
    if (expression === undefined) throw new Error("filter block received a message before start");
    return expression.evaluate(msg).then((result) => {
      // undefined: the expression found nothing (e.g. a missing field), which is not a match.
      if (result !== true && result !== false && result !== undefined) {
        throw new Error(`the filter expression must give true or false, not ${describe(result)}`);
      }
      ctx.emit(result === true ? "out" : "rejected", msg.value, { ts: msg.ts, quality: msg.quality });
    });
  },
});

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the text ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "number") return `the number ${value}`;
  return `a value of type ${typeof value}`;
}
