// JSONata for Monaco: highlighting (a Monarch grammar: plain regular expressions, no eval) and
// completion of the built-in $functions. Checking an expression stays with the host (core).
import type * as Monaco from "monaco-editor/editor/editor.api.js";

const FUNCTIONS = [
  "string", "length", "substring", "substringBefore", "substringAfter", "uppercase", "lowercase", "trim", "pad", "contains",
  "split", "join", "match", "replace", "eval", "base64encode", "base64decode", "encodeUrlComponent", "encodeUrl",
  "decodeUrlComponent", "decodeUrl", "formatNumber", "formatBase", "formatInteger", "parseInteger", "number", "abs",
  "floor", "ceil", "round", "power", "sqrt", "random", "sum", "max", "min", "average", "boolean", "not", "exists",
  "count", "append", "sort", "reverse", "shuffle", "distinct", "zip", "keys", "lookup", "spread", "merge", "sift",
  "each", "error", "assert", "type", "map", "filter", "single", "reduce", "now", "millis", "fromMillis", "toMillis",
];
/** Bound by the map and filter blocks for each message. */
const MESSAGE_VARIABLES = ["ts", "quality", "source"];

/** Per editor: the fields of the message its expression reads (from the upstream port). */
const messageFields = new WeakMap<Monaco.editor.ITextModel, Record<string, string>>();

export function setMessageFields(model: Monaco.editor.ITextModel, fields: Record<string, string>): void {
  messageFields.set(model, fields);
}

export function registerJsonata(monaco: typeof Monaco): void {
  monaco.languages.register({ id: "jsonata" });
  monaco.languages.setLanguageConfiguration("jsonata", {
    comments: { blockComment: ["/*", "*/"] },
    brackets: [["(", ")"], ["[", "]"], ["{", "}"]],
    autoClosingPairs: [
      { open: "(", close: ")" }, { open: "[", close: "]" }, { open: "{", close: "}" },
      { open: "\"", close: "\"" }, { open: "'", close: "'" },
    ],
  });
  monaco.languages.setMonarchTokensProvider("jsonata", {
    keywords: ["and", "or", "in", "true", "false", "null", "function"],
    tokenizer: {
      root: [
        [/\/\*/, "comment", "@comment"],
        [/"([^"\\]|\\.)*"/, "string"],
        [/'([^'\\]|\\.)*'/, "string"],
        [/`[^`]*`/, "identifier"],
        [/\$[A-Za-z_][\w]*/, "variable"],
        [/\$\$?/, "variable"],
        [/-?\d+(\.\d+)?([eE][+-]?\d+)?/, "number"],
        [/[A-Za-z_][\w]*/, { cases: { "@keywords": "keyword", "@default": "identifier" } }],
        [/:=|!=|<=|>=|~>|\?:|\?\?|\.\.|[-+*/%=<>&|?:.,;^#@]/, "operator"],
        [/[()[\]{}]/, "@brackets"],
      ],
      comment: [
        [/\*\//, "comment", "@pop"],
        [/[^*]+/, "comment"],
        [/\*/, "comment"],
      ],
    },
  });
  monaco.languages.registerCompletionItemProvider("jsonata", {
    triggerCharacters: ["$"],
    provideCompletionItems(model, position) {
      const word = model.getWordUntilPosition(position);
      const before = model.getValueInRange({ startLineNumber: position.lineNumber, startColumn: Math.max(1, word.startColumn - 1), endLineNumber: position.lineNumber, endColumn: word.startColumn });
      const start = before === "$" ? word.startColumn - 1 : word.startColumn;
      const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: start, endColumn: word.endColumn };
      const Kind = monaco.languages.CompletionItemKind;
      return {
        suggestions: [
          ...FUNCTIONS.map((name) => ({
            label: `$${name}`, kind: Kind.Function, insertText: `$${name}($0)`, range,
            insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet,
          })),
          ...MESSAGE_VARIABLES.map((name) => ({ label: `$${name}`, kind: Kind.Variable, insertText: `$${name}`, range })),
          ...(before === "$" ? [] : Object.entries(messageFields.get(model) ?? {}).map(([name, type]) => ({
            label: name, kind: Kind.Field, detail: type, insertText: name, range, sortText: `0${name}`,
          }))),
        ],
      };
    },
  });
}
