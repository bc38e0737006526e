// The inspector's form for one node's config, generated from the block's config schema. Edits go
// to the host as setConfig (the whole config, ~300 ms after the last keystroke); the form shows
// what the user typed until the document with it comes back.
import Form, { type IChangeEvent } from "@rjsf/core";
import type { ErrorSchema, RJSFSchema } from "@rjsf/utils";
import { useEffect, useMemo, useRef, useState } from "react";
import { configUiSchema } from "./config-ui.ts";
import { ExpressionWidget } from "./expression-widget.tsx";
import { formValidator } from "./form-validator.ts";
import { ParameterField } from "./parameter-field.tsx";
import type { BlockView, Locale, NodeView, ProblemView, WebviewMessage } from "./protocol.ts";
import { configErrors, localizeSchema, withoutUndefined } from "./state.ts";

type Config = Record<string, unknown>;

const SEND_AFTER_MS = 300;
const widgets = { expression: ExpressionWidget };
const fields = { parameter: ParameterField };
const defaultsBehaviour = { emptyObjectFields: "skipDefaults" } as const;

interface ConfigFormProps {
  node: NodeView;
  block: BlockView;
  locale: Locale;
  version: number;
  problems: ProblemView[];
  /** What the expression editor offers as the incoming message's fields. */
  upstreamFields: Record<string, string>;
  readOnly: boolean;
  post(message: WebviewMessage): void;
}

export function ConfigForm({ node, block, locale, version, problems, upstreamFields, readOnly, post }: ConfigFormProps) {
  const validator = useMemo(() => formValidator(locale), [locale]);
  const schema = useMemo(() => localizeSchema(block.configSchema, locale) as RJSFSchema, [block, locale]);
  const [draft, setDraft] = useState<Config | undefined>(undefined);
  const pending = useRef<{ timer: number; config: Config } | undefined>(undefined);
  const latest = useRef({ version, post, id: node.id });
  latest.current = { version, post, id: node.id };

  const send = () => {
    const edit = pending.current;
    if (edit === undefined) return;
    window.clearTimeout(edit.timer);
    pending.current = undefined;
    latest.current.post({ type: "setConfig", version: latest.current.version, node: latest.current.id, config: edit.config });
  };

  // Leaving the node (or closing the view) sends what was typed, rather than dropping it.
  useEffect(() => () => send(), []);
  // A new document shows its config, unless the user is still typing.
  useEffect(() => {
    if (pending.current === undefined) setDraft(undefined);
  }, [node.config]);

  const formData = draft ?? node.config;
  const uiSchema = useMemo(() => configUiSchema(block, formData, readOnly), [block, formData, readOnly]);
  const formContext = useMemo(() => ({ upstreamFields }), [JSON.stringify(upstreamFields)]);
  const extraErrors = useMemo(() => configErrors(problems, node.id, locale) as ErrorSchema<Config>, [problems, node.id, locale]);

  const onChange = (event: IChangeEvent<Config>) => {
    if (readOnly) return;
    const config = withoutUndefined(event.formData ?? {});
    if (pending.current === undefined && JSON.stringify(config) === JSON.stringify(node.config)) return;
    setDraft(config);
    if (pending.current !== undefined) window.clearTimeout(pending.current.timer);
    pending.current = { timer: window.setTimeout(send, SEND_AFTER_MS), config };
  };

  return (
    <Form<Config>
      schema={schema}
      uiSchema={uiSchema}
      formData={formData}
      validator={validator}
      widgets={widgets}
      fields={fields}
      extraErrors={extraErrors}
      formContext={formContext}
      onChange={onChange}
      liveValidate="onChange"
      showErrorList={false}
      noHtml5Validate
      readonly={readOnly}
      idPrefix={`cfg-${node.id}`}
      experimental_defaultFormStateBehavior={defaultsBehaviour}
    />
  );
}
