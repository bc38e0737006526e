// A config field bound to an APP parameter (`{ $param: name }`): shown, edited in the text.
import type { FieldProps } from "@rjsf/utils";
import { t } from "./l10n.ts";
import { isParamRef } from "./state.ts";

export function ParameterField({ name, formData, schema }: FieldProps) {
  const parameter = isParamRef(formData) ? formData.$param : "?";
  return (
    <div className="form-group field parameter-field">
      <label className="control-label">{schema.title ?? name}</label>
      <div className="parameter-value">{t("parameter", parameter)}</div>
      {typeof schema.description === "string" && <p className="field-description">{schema.description}</p>}
    </div>
  );
}
