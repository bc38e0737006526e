// VS Code puts its theme kind on <body> (vscode-light, vscode-dark, vscode-high-contrast,
// vscode-high-contrast-light) and changes it live; colours themselves come from --vscode-* variables.
import { useSyncExternalStore } from "react";

export type ThemeKind = "light" | "dark" | "hc-dark" | "hc-light";

export function currentTheme(): ThemeKind {
  const classes = document.body.classList;
  if (classes.contains("vscode-high-contrast-light")) return "hc-light";
  if (classes.contains("vscode-high-contrast")) return "hc-dark";
  if (classes.contains("vscode-dark")) return "dark";
  if (classes.contains("vscode-light")) return "light";
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function subscribe(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.body, { attributes: true, attributeFilter: ["class"] });
  return () => observer.disconnect();
}

export function useTheme(): ThemeKind {
  return useSyncExternalStore(subscribe, currentTheme);
}

export function isDark(theme: ThemeKind): boolean {
  return theme === "dark" || theme === "hc-dark";
}
