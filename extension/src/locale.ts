// The UI language: Chinese when VS Code runs in Chinese, else English.
import * as vscode from "vscode";
import type { Locale, Text } from "../../webview/protocol.ts";

export function uiLocale(): Locale {
  return vscode.env.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function inUiLanguage(text: Text): string {
  return text[uiLocale()];
}
