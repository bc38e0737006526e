import type { Message, Quality } from "./block.ts";

/**
 * A message no block can change: its fields have getters and no setters, so assigning one
 * throws in strict code. Object.freeze would do the same at about half the engine's
 * throughput (measured in bench/chain.bench.ts); private fields cost next to nothing.
 */
export class ReadOnlyMessage implements Message {
  readonly #value: unknown;
  readonly #ts: number;
  readonly #quality: Quality;
  readonly #source: string;

  constructor(value: unknown, ts: number, quality: Quality, source: string) {
    this.#value = value;
    this.#ts = ts;
    this.#quality = quality;
    this.#source = source;
  }

  get value(): unknown {
    return this.#value;
  }

  get ts(): number {
    return this.#ts;
  }

  get quality(): Quality {
    return this.#quality;
  }

  get source(): string {
    return this.#source;
  }

  /** What JSON.stringify writes: the four fields, as if it were a plain object. */
  toJSON(): { value: unknown; ts: number; quality: Quality; source: string } {
    return { value: this.#value, ts: this.#ts, quality: this.#quality, source: this.#source };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): unknown {
    return this.toJSON();
  }
}
