// The inspector's widget for a JSONata field: a small Monaco editor.
import type { WidgetProps } from "@rjsf/utils";
import { useEffect, useRef } from "react";
import { setMessageFields } from "./jsonata-language.ts";
import { applyMonacoTheme, monaco } from "./monaco-setup.ts";
import { useTheme } from "./theme.ts";

export function ExpressionWidget({ id, value, onChange, onBlur, readonly, disabled, label, registry }: WidgetProps) {
  const container = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | undefined>(undefined);
  const latest = useRef({ onChange, onBlur, id });
  latest.current = { onChange, onBlur, id };
  const theme = useTheme();
  const text = typeof value === "string" ? value : "";
  const fields = (registry.formContext as { upstreamFields?: Record<string, string> } | undefined)?.upstreamFields ?? {};

  useEffect(() => {
    if (container.current === null) return;
    const created = monaco.editor.create(container.current, {
      value: text,
      language: "jsonata",
      ariaLabel: label,
      minimap: { enabled: false },
      lineNumbers: "off",
      glyphMargin: false,
      folding: false,
      lineDecorationsWidth: 6,
      lineNumbersMinChars: 0,
      wordWrap: "on",
      scrollBeyondLastLine: false,
      renderLineHighlight: "none",
      overviewRulerLanes: 0,
      automaticLayout: true,
      fixedOverflowWidgets: true,
      fontSize: 13,
      scrollbar: { verticalScrollbarSize: 8, horizontalScrollbarSize: 8 },
    });
    const changed = created.onDidChangeModelContent(() => {
      const next = created.getValue();
      latest.current.onChange(next === "" ? undefined : next);
    });
    const blurred = created.onDidBlurEditorText(() => latest.current.onBlur(latest.current.id, created.getValue()));
    editor.current = created;
    return () => {
      changed.dispose();
      blurred.dispose();
      created.getModel()?.dispose();
      created.dispose();
      editor.current = undefined;
    };
    // Created once; value, theme and read-only state follow below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const current = editor.current;
    const model = current?.getModel();
    if (current === undefined || model === null || model === undefined || model.getValue() === text) return;
    // An edit, not setValue, so the user's undo stack survives the document coming back.
    current.executeEdits("document", [{ range: model.getFullModelRange(), text }]);
  }, [text]);

  useEffect(() => {
    const model = editor.current?.getModel();
    if (model) setMessageFields(model, fields);
  }, [fields]);
  useEffect(() => editor.current?.updateOptions({ readOnly: readonly || disabled }), [readonly, disabled]);
  useEffect(() => applyMonacoTheme(theme), [theme]);

  return <div id={id} ref={container} className="expression-editor" />;
}
