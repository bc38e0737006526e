// Words an operator reads, in English and Chinese, and an Error that carries both.
import type { LogText } from "../block.ts";

export type Text = { en: string; "zh-CN": string };

export function text(en: string, zh: string): Text {
  return { en, "zh-CN": zh };
}

/** Its message holds both languages, so the engine's English-and-Chinese log line shows both. */
export class OpcuaError extends Error {
  constructor(readonly text: Text) {
    super(`${text.en} / ${text["zh-CN"]}`);
  }
}

export function asLogText(value: Text): LogText {
  return value;
}
