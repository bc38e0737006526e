// The native packages (sharp, onnxruntime-node) a bundle carries: the extension has no
// node_modules, so they come from the npm registry of the setting dengta.npmRegistry, pinned by the
// list the extension's build wrote from package-lock.json (scripts/build-extension.mjs).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import type { LockedSource } from "../../core/bundle/locked-packages.ts";
import type { LockedPackage } from "../../core/bundle/native-package-list.ts";
import { inUiLanguage } from "./locale.ts";

const DEFAULT_REGISTRY = "https://registry.npmjs.org";

/** Where buildBundle takes native packages from; each download is told in `progress`. */
export function nativePackages(extensionPath: string, progress: vscode.Progress<{ message?: string }>): LockedSource {
  return {
    registry: vscode.workspace.getConfiguration("dengta").get<string>("npmRegistry")?.trim() || DEFAULT_REGISTRY,
    locked: JSON.parse(readFileSync(join(extensionPath, "native-packages.json"), "utf8")) as LockedPackage[],
    onDownload: (name, version) => progress.report({ message: vscode.l10n.t("downloading the package {0}@{1}…", name, version) }),
  };
}

/** The message of an error thrown by core: a UserError's in the UI language. */
export function errorMessage(error: unknown): string {
  const { en, zh } = error as { en?: unknown; zh?: unknown };
  return typeof en === "string" && typeof zh === "string" ? inUiLanguage({ en, "zh-CN": zh }) : String((error as Error).message ?? error);
}
