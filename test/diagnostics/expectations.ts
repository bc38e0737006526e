// The first line of each fixture says what validation must report in that file: `# expect: none`,
// or entries `code line:column`, with ` warning` after a warning, separated by commas.
import { readFileSync } from "node:fs";
import type { Diagnostic } from "../../core/diagnostics.ts";

const ENTRY = /^([a-z-]+) (\d+):(\d+)( warning)?$/;

/** The diagnostics a fixture expects, in the form `summary` gives, sorted by position. */
export function expectedIn(file: string): string[] {
  const header = /^# expect: (.+)$/.exec(readFileSync(file, "utf8").split("\n")[0] ?? "");
  if (header === null) throw new Error(`${file} does not start with '# expect: ...'`);
  if (header[1]!.trim() === "none") return [];
  return header[1]!.split(",").map((entry) => {
    if (!ENTRY.test(entry.trim())) throw new Error(`${file}: cannot read the expectation '${entry.trim()}'`);
    return entry.trim();
  }).sort(byPosition);
}

export function summary(d: Diagnostic): string {
  return `${d.code} ${d.line}:${d.column}${d.severity === "warning" ? " warning" : ""}`;
}

export function codeOf(entry: string): string {
  return entry.split(" ")[0]!;
}

export function isWarning(entry: string): boolean {
  return entry.endsWith(" warning");
}

export function byPosition(a: string, b: string): number {
  const [, codeA, lineA, columnA] = ENTRY.exec(a)!;
  const [, codeB, lineB, columnB] = ENTRY.exec(b)!;
  return Number(lineA) - Number(lineB) || Number(columnA) - Number(columnB) || codeA!.localeCompare(codeB!);
}
