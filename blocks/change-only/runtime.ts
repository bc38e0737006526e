import { defineBlock, type EmitOptions, type Quality } from "../../runtime/block.ts";

interface Config {
  includeQuality?: boolean;
}

interface State {
  /** False until the first message has passed. */
  passedAny: boolean;
  /** The last value passed, by reference: messages are frozen and never changed after emit. */
  last: unknown;
  lastQuality: Quality;
  includeQuality: boolean;
  /** Reused for every emit: the engine reads it synchronously and keeps nothing of it. */
  options: { ts: number; quality: Quality };
}

export default defineBlock<Config, State>({
  createState: (config) => ({
    passedAny: false, last: undefined, lastQuality: "good",
    includeQuality: config.includeQuality ?? true,
    options: { ts: 0, quality: "good" },
  }),

  onMessage(_port, msg, ctx) {
    const s = ctx.state;
    if (s.passedAny && sameValue(msg.value, s.last) && (!s.includeQuality || msg.quality === s.lastQuality)) return;
    s.passedAny = true;
    s.last = msg.value;
    s.lastQuality = msg.quality;
    s.options.ts = msg.ts;
    s.options.quality = msg.quality;
    ctx.emit("out", msg.value, s.options as EmitOptions);
  },
});

/**
 * Equality as an operator sees it: numbers exactly (NaN equals NaN, 0 equals -0), plain objects
 * key by key whatever the key order, arrays item by item, dates by their time. Any other object
 * (a Buffer, an image, a typed array) is the same only when it is the very same object.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && sameValue(a.getTime(), b.getTime());
  }
  if (!isPlain(a) || !isPlain(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
