import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import appSchema from "../schemas/app.schema.json" with { type: "json" };
import bindingSchema from "../schemas/binding.schema.json" with { type: "json" };
import blockSchema from "../schemas/block.schema.json" with { type: "json" };
import bundleManifestSchema from "../schemas/bundle-manifest.schema.json" with { type: "json" };
import commonSchema from "../schemas/common.schema.json" with { type: "json" };

export type SchemaName = "app" | "binding" | "block" | "bundle-manifest";

const sources: Record<SchemaName, object> = {
  app: appSchema,
  binding: bindingSchema,
  block: blockSchema,
  "bundle-manifest": bundleManifestSchema,
};

let shared: Ajv2020 | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

/** One Ajv for the file formats, each schema compiled once per process. */
export function fileValidator(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (validate === undefined) {
    validate = formatAjv().compile(sources[name]);
    compiled.set(name, validate);
  }
  return validate;
}

function formatAjv(): Ajv2020 {
  if (shared !== undefined) return shared;
  shared = newAjv({ useDefaults: false });
  shared.addSchema(commonSchema);
  return shared;
}

/** Block config schemas get an Ajv of their own: it fills in defaults when compiling a bundle. */
export function newAjv(options: { useDefaults: boolean }): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, useDefaults: options.useDefaults, allowUnionTypes: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  return ajv;
}

export function schemaErrors(validate: ValidateFunction, value: unknown): ErrorObject[] {
  return validate(value) ? [] : relevantErrors(validate.errors ?? []);
}

/**
 * Ajv reports every branch it tried; a user wants the one that matters. Drop the summary
 * errors of oneOf/anyOf/if when a more specific error exists at the same or a deeper place,
 * and a propertyNames summary when its pattern error is there too.
 */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const summaries = new Set(["oneOf", "anyOf", "if", "not"]);
  const specific = errors.filter((e) => !summaries.has(e.keyword));
  const kept = specific.length > 0 ? specific : errors;
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
