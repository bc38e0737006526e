import { defineBlock } from "../../runtime/block.ts";
import { evaluateFor, expressionBlock, type ExpressionConfig, type ExpressionState } from "../lib/jsonata.ts";

export default defineBlock<ExpressionConfig, ExpressionState>({
  ...expressionBlock,

  onMessage(_port, msg, ctx) {
    return evaluateFor(ctx, msg).then((result) => {
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
