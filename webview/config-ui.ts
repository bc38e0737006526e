// How the inspector form draws a block's config: rjsf's uiSchema, from the schema and the values.
import type { BlockView } from "./protocol.ts";
import { isParamRef } from "./state.ts";

export type UiSchema = Record<string, unknown>;

/**
 * Expression fields get the Monaco widget; a field holding `{ $param: name }` shows the parameter
 * (it is edited in the text); a default shows as the empty field's placeholder, so it is not
 * written into the document unless the user types it.
 */
export function configUiSchema(block: BlockView, config: Record<string, unknown>, readOnly: boolean): UiSchema {
  const ui: UiSchema = { "ui:submitButtonOptions": { norender: true } };
  if (readOnly) ui["ui:readonly"] = true;
  const properties = (block.configSchema as { properties?: Record<string, { default?: unknown }> }).properties ?? {};
  for (const [field, schema] of Object.entries(properties)) {
    const fieldUi: UiSchema = {};
    if (isParamRef(config[field])) fieldUi["ui:field"] = "parameter";
    else if (block.expressionFields.includes(field)) fieldUi["ui:widget"] = "expression";
    const fallback = schema.default;
    if (typeof fallback === "string" || typeof fallback === "number") fieldUi["ui:placeholder"] = String(fallback);
    if (Object.keys(fieldUi).length > 0) ui[field] = fieldUi;
  }
  return ui;
}
