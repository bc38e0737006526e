import { AppChecker, type CheckedApp } from "./check-app.ts";
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
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
    return { diagnostics: sortDiagnostics(diagnostics) };
  }
  const checker = new AppChecker({ app: appSource.value, binding: bindingSource?.value }, registry, options.bindingRequired);
  const checked = checker.check();
  diagnostics.push(...checker.diagnostics);
  return { diagnostics: sortDiagnostics(diagnostics), ...(checked && !hasErrors(diagnostics) ? { app: checked } : {}) };
}

/** Parses a file and checks it against its schema; `ok` only when both succeed. */
export function loadChecked(input: AppInput, schema: SchemaName): Loaded<YamlSource> {
  const loaded = input.text === undefined ? readYamlFile(input.file) : parseYamlText(input.file, input.text);
  if (!loaded.ok) return loaded;
  const errors = schemaErrors(fileValidator(schema), loaded.value.value);
  if (errors.length === 0) return loaded;
  const diagnostics = [...loaded.diagnostics, ...errors.map((error) => schemaDiagnostic(loaded.value, error))];
  return { ok: false, diagnostics };
}
