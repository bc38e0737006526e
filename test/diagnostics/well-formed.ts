// What every diagnostic must look like, whatever the input: shared by the fixture and property tests.
import { expect } from "vitest";
import type { Diagnostic } from "../../core/diagnostics.ts";
import { diagnosticCodes } from "../../core/messages.ts";

const CJK = /[\u3400-\u9fff]/;

/** Checks one diagnostic and returns a readable list of what is wrong with it (empty when fine). */
export function problemsOf(d: Diagnostic, file?: string): string[] {
  const problems: string[] = [];
  if (!diagnosticCodes.includes(d.code)) problems.push(`unknown code ${d.code}`);
  if (d.severity !== "error" && d.severity !== "warning") problems.push(`severity ${d.severity}`);
  if (file !== undefined && d.file !== file) problems.push(`file ${d.file}, expected ${file}`);
  if (!(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.column) && d.column >= 1)) problems.push(`start ${d.line}:${d.column}`);
  const endsAfterStart = d.endLine > d.line || (d.endLine === d.line && d.endColumn >= d.column);
  if (!endsAfterStart) problems.push(`end ${d.endLine}:${d.endColumn} before start ${d.line}:${d.column}`);
  if (typeof d.message?.en !== "string" || d.message.en.trim() === "") problems.push("empty English message");
  if (typeof d.message?.["zh-CN"] !== "string" || !CJK.test(d.message["zh-CN"])) problems.push("zh-CN message without Chinese");
  if (!Array.isArray(d.path)) problems.push("path is not an array");
  return problems;
}

export function expectWellFormed(diagnostics: readonly Diagnostic[], file?: string): void {
  const bad = diagnostics.map((d) => ({ d, problems: problemsOf(d, file) })).filter((x) => x.problems.length > 0);
  expect(bad).toEqual([]);
}
