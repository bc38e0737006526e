import { parseDuration } from "../../runtime/duration.ts";
import { UserError } from "../../core/user-error.ts";

export type MachineId = "m1" | "m2" | "m3";
export const MACHINE_IDS: readonly MachineId[] = ["m1", "m2", "m3"];

/** A fault injected at a model time, counted from the simulation's start. */
export type FaultSpec =
  | { target: MachineId; kind: "overheat" | "down"; atMs: number }
  | { target: "server"; kind: "restart"; atMs: number };

const FORMS = "m1|m2|m3:overheat@<t>, m1|m2|m3:down@<t>, server:restart@<t>";

/** "m2:overheat@60s", "server:restart@30s", "m1:down@2h". */
export function parseFault(text: string): FaultSpec {
  const match = /^\s*([a-z0-9]+):([a-z]+)@(.+?)\s*$/i.exec(text);
  if (!match) throw bad(text, `expected ${FORMS}`, `应为 ${FORMS}`);
  const [, target, kind, when] = match as unknown as [string, string, string, string];
  const atMs = parseDuration(when);
  if (atMs === undefined) throw bad(text, `"${when}" is not a duration such as 500ms, 30s, 5m or 2h`, `"${when}" 不是时长，例如 500ms、30s、5m 或 2h`);
  const who = target.toLowerCase();
  const what = kind.toLowerCase();
  if (who === "server" && what === "restart") return { target: "server", kind: "restart", atMs };
  if ((MACHINE_IDS as readonly string[]).includes(who) && (what === "overheat" || what === "down")) {
    return { target: who as MachineId, kind: what, atMs };
  }
  throw bad(text, `unknown fault; expected ${FORMS}`, `未知故障；应为 ${FORMS}`);
}

function bad(text: string, en: string, zh: string): UserError {
  return new UserError(`bad fault "${text}": ${en}`, `故障描述 "${text}" 有误：${zh}`);
}
