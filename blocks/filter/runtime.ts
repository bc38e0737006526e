import type jsonata from "jsonata";
import { defineBlock } from "../../runtime/block.ts";
import { bindModelTime, compileJsonata, jsonataErrorText } from "../lib/jsonata.ts";

interface Config {
  expression: string;
}

interface State {
  expression: jsonata.Expression | undefined;
  /** Model time of the evaluation in progress; $now() and $millis() return it. */
  evaluatedAt: number;
}

export default defineBlock<Config, State>({
  createState: () => ({ expression: undefined, evaluatedAt: 0 }),

  start(ctx) {
    const expression = compileJsonata(ctx.config.expression);
    bindModelTime(expression, () => ctx.state.evaluatedAt);
    ctx.state.expression = expression;
  },

  onMessage(_port, msg, ctx) {
    const expression = ctx.state.expression;
    if (expression === undefined) throw new Error("filter block received a message before start");
    ctx.state.evaluatedAt = ctx.clock.now();
    return expression.evaluate(msg.value, { ts: msg.ts, quality: msg.quality, source: msg.source }).then(
      (result: unknown) => {
        // undefined: the expression found nothing (e.g. a missing field), which is not a match.
        if (result !== true && result !== false && result !== undefined) {
          throw new Error(`the filter expression must give true or false, not ${describe(result)}`);
        }
        ctx.emit(result === true ? "out" : "rejected", msg.value, { ts: msg.ts, quality: msg.quality });
      },
      (error: unknown) => {
        throw new Error(`JSONata evaluation failed: ${jsonataErrorText(error)}`);
      },
    );
  },
});

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the text ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "number") return `the number ${value}`;
  return `a value of type ${typeof value}`;
}
