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
  // Annotation: what to tell the user, in both languages, when a keyword of this schema fails.
  ajv.addKeyword({ keyword: "x-error", schemaType: "object" });
  return ajv;
}

export function schemaErrors(validate: ValidateFunction, value: unknown): ErrorObject[] {
  return validate(value) ? [] : relevantErrors(validate.errors ?? []);
}

/**
 * Ajv reports every branch it tried; a user wants the one that matters.
 * - A oneOf/anyOf/not that says in words what it wants (x-error) stands for all its branches.
 * - Other such summaries go when a more specific error is there.
 * - A name refused by propertyNames is reported once, by the propertyNames error.
 */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const summaries = new Set(["oneOf", "anyOf", "if", "not"]);
  const worded = errors.filter((e) => summaries.has(e.keyword) && customMessage(e) !== undefined);
  const insideWorded = (e: ErrorObject) => worded.some((w) => w !== e && e.schemaPath.startsWith(`${w.schemaPath}/`));
  const insideName = (e: ErrorObject) => e.keyword !== "propertyNames" && (e as { propertyName?: string }).propertyName !== undefined;
  let kept = errors.filter((e) => !insideWorded(e) && !insideName(e));
  const specific = kept.filter((e) => !summaries.has(e.keyword) || worded.includes(e));
  if (specific.length > 0) kept = specific;
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The schema's own words for a failed keyword, if it has them. */
export function customMessage(error: ErrorObject): { en: string; "zh-CN": string } | undefined {
  const messages = (error.parentSchema as { "x-error"?: Record<string, { en: string; "zh-CN": string }> } | undefined)?.["x-error"];
  return messages?.[error.keyword];
}
