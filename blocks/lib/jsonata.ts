// What every JSONata block needs: readable errors, compiling once, and model time for $now/$millis.
// blocks/lib holds code blocks share; it is not a block (no block.json).
import jsonata from "jsonata";
import type { Clock, Message } from "../../runtime/block.ts";

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

/**
 * A block's JSONata expression over a message: compiled once, $ts/$quality/$source bound,
 * $now/$millis on the engine clock at the start of each evaluation, errors as readable Errors.
 */
export class MessageExpression {
  private readonly expression: jsonata.Expression;
  private evaluatedAt = 0;

  constructor(text: string, private readonly clock: Clock) {
    this.expression = compileJsonata(text);
    bindModelTime(this.expression, () => this.evaluatedAt);
  }

  evaluate(msg: Message): Promise<unknown> {
    this.evaluatedAt = this.clock.now();
    return this.expression.evaluate(msg.value, { ts: msg.ts, quality: msg.quality, source: msg.source }).then(
      (result: unknown) => result,
      (error: unknown) => {
        throw new Error(`JSONata evaluation failed: ${jsonataErrorText(error)}`);
      },
    );
  }
}
