import { defineBlock } from "../../runtime/block.ts";
import { evaluateFor, expressionBlock, type ExpressionConfig, type ExpressionState } from "../lib/jsonata.ts";

export default defineBlock<ExpressionConfig, ExpressionState>({
  ...expressionBlock,

  onMessage(_port, msg, ctx) {
    return evaluateFor(ctx, msg).then((result) => {
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
