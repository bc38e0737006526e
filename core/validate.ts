import { AppChecker, type CheckedApp } from "./check-app.ts";
import { hasErrors, makeDiagnostic, sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
import { builtinRegistry, type BlockRegistry } from "./registry.ts";
import { schemaDiagnostic } from "./schema-messages.ts";
import { fileValidator, schemaErrors, type SchemaName } from "./schemas.ts";
import { parseYamlText, readYamlFile, type Loaded, type YamlSource } from "./yaml-source.ts";

export interface ValidationResult {
  diagnostics: Diagnostic[];
  /** Present when there are no errors. */
  app?: CheckedApp;
}

export interface AppInput {
  file: string;
  /** The text as an editor holds it; read from `file` when absent. */
  text?: string;
  /** The text already parsed (parseYamlText of this file and text), so an editor parses once. */
  parsed?: Loaded<YamlSource>;
}

/** Checks an APP, and its binding when given: syntax, schema, then meaning. */
export function validateApp(
  app: AppInput,
  options: { binding?: AppInput; registry?: BlockRegistry; bindingRequired?: boolean } = {},
): ValidationResult {
  const registry = options.registry ?? builtinRegistry().registry;
  const appSource = loadChecked(app, "app");
  const bindingSource = options.binding ? loadChecked(options.binding, "binding") : undefined;
  const diagnostics = [...appSource.diagnostics, ...(bindingSource?.diagnostics ?? [])];
  if (!appSource.ok || (bindingSource !== undefined && !bindingSource.ok) || hasErrors(diagnostics)) {
    return { diagnostics: firstDiagnostics(diagnostics) };
  }
  const checker = new AppChecker({ app: appSource.value, binding: bindingSource?.value }, registry, options.bindingRequired);
  const checked = checker.check();
  diagnostics.push(...checker.diagnostics);
  return { diagnostics: firstDiagnostics(diagnostics), ...(checked && !hasErrors(diagnostics) ? { app: checked } : {}) };
}

/** A broken file can have thousands of problems; nobody reads past the first few hundred. */
export const MAX_DIAGNOSTICS = 200;

function firstDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.length <= MAX_DIAGNOSTICS) return sorted;
  const last = sorted[MAX_DIAGNOSTICS - 1]!;
  const more = makeDiagnostic("too-many-problems", { shown: MAX_DIAGNOSTICS, more: sorted.length - MAX_DIAGNOSTICS }, {
    file: last.file, range: { line: last.line, column: last.column, endLine: last.endLine, endColumn: last.endColumn },
  }, "warning");
  return [...sorted.slice(0, MAX_DIAGNOSTICS), more];
}

/** Parses a file and checks it against its schema; `ok` only when both succeed. */
export function loadChecked(input: AppInput, schema: SchemaName): Loaded<YamlSource> {
  const loaded = input.parsed ?? (input.text === undefined ? readYamlFile(input.file) : parseYamlText(input.file, input.text));
  if (!loaded.ok) return loaded;
  const errors = schemaErrors(fileValidator(schema), loaded.value.value);
  if (errors.length === 0) return loaded;
  const diagnostics = [...loaded.diagnostics, ...errors.map((error) => schemaDiagnostic(loaded.value, error))];
  return { ok: false, diagnostics };
}
