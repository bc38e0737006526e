// rjsf's ValidatorType on top of schema-check.ts: what @rjsf/validator-ajv8 does, without eval.
import {
  createErrorHandler, toErrorSchema, unwrapErrorHandler, validationDataMerge,
  type CustomValidator, type ErrorTransformer, type RJSFSchema, type RJSFValidationError, type UiSchema,
  type ValidationData, type ValidatorType,
} from "@rjsf/utils";
import type { Locale } from "./protocol.ts";
import { checkAgainstSchema, isValidAgainst, type Schema } from "./schema-check.ts";

type Config = Record<string, unknown>;

export function formValidator(locale: Locale): ValidatorType<Config> {
  const toRjsfErrors = (schema: RJSFSchema, value: unknown): RJSFValidationError[] =>
    checkAgainstSchema(schema as Schema, value, locale).map((error) => ({
      name: error.name,
      property: error.property,
      message: error.message,
      params: error.params,
      schemaPath: error.schemaPath,
      stack: `${error.property.replace(/^\./, "")} ${error.message}`.trim(),
    }));

  return {
    validateFormData(
      formData: Config | undefined, schema: RJSFSchema,
      customValidate?: CustomValidator<Config>, transformErrors?: ErrorTransformer<Config>, uiSchema?: UiSchema<Config>,
    ): ValidationData<Config> {
      let errors = toRjsfErrors(schema, formData ?? {});
      if (transformErrors) errors = transformErrors(errors, uiSchema);
      const errorSchema = toErrorSchema<Config>(errors);
      if (!customValidate) return { errors, errorSchema };
      const handler = customValidate(formData, createErrorHandler<Config>(formData ?? {}), uiSchema, errorSchema);
      return validationDataMerge({ errors, errorSchema }, unwrapErrorHandler(handler));
    },
    isValid(schema: RJSFSchema, formData: Config | undefined, rootSchema: RJSFSchema): boolean {
      return isValidAgainst(schema as Schema, formData, rootSchema as Schema);
    },
    rawValidation<Result = unknown>(schema: RJSFSchema, formData?: Config): { errors?: Result[]; validationError?: Error } {
      return { errors: toRjsfErrors(schema, formData) as Result[] };
    },
  };
}
