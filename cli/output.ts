import { formatDiagnostic, type Diagnostic } from "../core/diagnostics.ts";
import type { Locale } from "../runtime/locale.ts";

export const EXIT = { ok: 0, problems: 1, usage: 2, internal: 3 } as const;

export interface CliContext {
  locale: Locale;
  json: boolean;
  /** JSON records one per line (commands that stream, like run), not pretty-printed. */
  jsonLines?: boolean;
  exitCode?: number;
}

export function say(ctx: CliContext, en: string, zh: string): void {
  if (!ctx.json) process.stdout.write(`${ctx.locale === "zh-CN" ? zh : en}\n`);
}

export function printJson(value: unknown, lines = false): void {
  process.stdout.write(`${lines ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
}

/** Prints diagnostics and sets the exit code they call for; returns true when none is an error. */
export function reportDiagnostics(ctx: CliContext, diagnostics: readonly Diagnostic[], extra: Record<string, unknown> = {}): boolean {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  if (errors > 0) ctx.exitCode = diagnostics.some((d) => d.code === "file-unreadable") ? EXIT.usage : EXIT.problems;
  if (ctx.json) {
    printJson({ ok: errors === 0, errors, warnings, diagnostics, ...extra }, ctx.jsonLines);
    return errors === 0;
  }
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d, ctx.locale)}\n`);
  if (diagnostics.length > 0) {
    process.stderr.write(ctx.locale === "zh-CN" ? `${errors} 个错误，${warnings} 个警告\n` : `${errors} error(s), ${warnings} warning(s)\n`);
  }
  return errors === 0;
}
