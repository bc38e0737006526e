// The inspector's widget for a JSONata field: a small Monaco editor. Monaco is most of the
// webview's code, so it is loaded when the first expression field is shown, not with the canvas.
import type { WidgetProps } from "@rjsf/utils";
import { useEffect, useRef, useState } from "react";
import { setMessageFields } from "./jsonata-language.ts";
import { useTheme } from "./theme.ts";

type MonacoSetup = typeof import("./monaco-setup.ts");
type Editor = import("monaco-editor/editor/editor.api.js").editor.IStandaloneCodeEditor;

let loading: Promise<MonacoSetup> | undefined;
/** monaco.js and its stylesheet, monaco.css, beside main.js (scripts/build-webview.mjs). */
const loadMonaco = () => (loading ??= (() => {
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = new URL("monaco.css", import.meta.url).href;
  document.head.appendChild(style);
  return import("./monaco-setup.ts");
})());

export function ExpressionWidget({ id, value, onChange, onBlur, readonly, disabled, label, registry }: WidgetProps) {
  const container = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<{ editor: Editor; setup: MonacoSetup } | undefined>(undefined);
  const latest = useRef({ onChange, onBlur, id, text: "" });
  const theme = useTheme();
  const text = typeof value === "string" ? value : "";
  latest.current = { onChange, onBlur, id, text };
  const fields = (registry.formContext as { upstreamFields?: Record<string, string> } | undefined)?.upstreamFields ?? {};

  useEffect(() => {
    let disposed = false;
    let cleanup = () => {};
    void loadMonaco().then((setup) => {
      if (disposed || container.current === null) return;
      const created = setup.monaco.editor.create(container.current, {
        value: latest.current.text,
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
      cleanup = () => {
        changed.dispose();
        blurred.dispose();
        created.getModel()?.dispose();
        created.dispose();
      };
      setEditor({ editor: created, setup });
    });
    return () => {
      disposed = true;
      cleanup();
    };
    // Created once; value, theme and read-only state follow below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const model = editor?.editor.getModel();
    if (editor === undefined || !model || model.getValue() === text) return;
    // An edit, not setValue, so the user's undo stack survives the document coming back.
    editor.editor.executeEdits("document", [{ range: model.getFullModelRange(), text }]);
  }, [editor, text]);

  useEffect(() => {
    const model = editor?.editor.getModel();
    if (model) setMessageFields(model, fields);
  }, [editor, fields]);
  useEffect(() => editor?.editor.updateOptions({ readOnly: readonly || disabled }), [editor, readonly, disabled]);
  useEffect(() => editor?.setup.applyMonacoTheme(theme), [editor, theme]);

  return <div id={id} ref={container} className="expression-editor" />;
}
