import { messageFor, type DiagnosticCode, type MessageParams } from "./messages.ts";

export type Severity = "error" | "warning";

export interface LocalizedText {
  en: string;
  "zh-CN": string;
}

/** A problem in a user's file, with where it is. Line and column are 1-based. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: LocalizedText;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Where in the document's data the problem is, e.g. ["nodes", "tick", "config"]. */
  path: Array<string | number>;
}

export interface SourceRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export const START_OF_FILE: SourceRange = { line: 1, column: 1, endLine: 1, endColumn: 1 };

export function makeDiagnostic<C extends DiagnosticCode>(
  code: C,
  params: MessageParams<C>,
  where: { file: string; range: SourceRange; path?: Array<string | number> },
  severity: Severity = "error",
): Diagnostic {
  return {
    code,
    severity,
    message: messageFor(code, params),
    file: where.file,
    ...where.range,
    path: where.path ?? [],
  };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

export type Locale = "en" | "zh-CN";

/** `file:line:column: error code: message`, the form editors and terminals link to. */
export function formatDiagnostic(d: Diagnostic, locale: Locale): string {
  const severity = locale === "zh-CN" ? (d.severity === "error" ? "错误" : "警告") : d.severity;
  return `${d.file}:${d.line}:${d.column}: ${severity} ${d.code}: ${d.message[locale]}`;
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}
