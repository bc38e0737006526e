// VS Code in Chinese for a test. code-server takes the display language from
// <user-data>/User/argv.json, but a locale becomes VS Code's language (vscode.env.language, which
// the extension follows) only when a language pack for it is installed; without one VS Code stays
// English. The real pack (MS-CEINTL.vscode-language-pack-zh-hans) cannot be downloaded here, so this
// stand-in contributes the zh-cn localization with no translations: VS Code's own strings stay
// English while vscode.env.language is "zh-cn", as with the real pack.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../../support/cli.ts";
import { packageVsix } from "../../support/code-server.ts";

const PUBLISHER = "dengta-test";
const NAME = "zh-cn-test-language-pack";
const VERSION = "0.0.1";
const LOCALE = "zh-cn";

/** Packages the stand-in language pack in `work` and returns its .vsix. */
export async function chineseLanguagePack(work: string): Promise<string> {
  const folder = join(work, "zh-cn-language-pack");
  mkdirSync(join(folder, "translations"), { recursive: true });
  const manifest = {
    name: NAME,
    displayName: "Chinese (Simplified) test language pack",
    description: "The zh-cn locale with no translations, for tests.",
    version: VERSION,
    publisher: PUBLISHER,
    license: "Apache-2.0",
    engines: { vscode: "^1.100.0" },
    categories: ["Language Packs"],
    contributes: {
      localizations: [{
        languageId: LOCALE,
        languageName: "Chinese Simplified",
        localizedLanguageName: "中文(简体)",
        translations: [{ id: "vscode", path: "./translations/main.i18n.json" }],
      }],
    },
  };
  writeFileSync(join(folder, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(folder, "translations", "main.i18n.json"), `${JSON.stringify({ version: "1.0.0", contents: {} })}\n`);
  writeFileSync(join(folder, "README.md"), "The zh-cn locale with no translations, for Dengta's end-to-end tests.\n");
  copyFileSync(join(root, "LICENSE"), join(folder, "LICENSE"));
  return packageVsix(folder, join(work, "zh-cn-language-pack.vsix"));
}

/**
 * Prepares a session folder (startVsCode's `dir`) for VS Code in `locale` with the stand-in pack:
 * - <user-data>/User/argv.json names the locale: code-server reads it for the display language;
 * - <user-data>/languagepacks.json lists the pack. VS Code writes this file when a language pack
 *   is installed from a running window, but code-server's `--install-extension` (which startVsCode
 *   uses) does not, and without it the locale falls back to English. Written here as VS Code would
 *   write it (same keys, same hash), for the folder the pack is installed into.
 */
export function prepareLocale(sessionDir: string, locale = LOCALE): void {
  const userData = join(sessionDir, "user-data");
  mkdirSync(join(userData, "User"), { recursive: true });
  writeFileSync(join(userData, "User", "argv.json"), `${JSON.stringify({ locale })}\n`);
  const id = `${PUBLISHER}.${NAME}`;
  const installed = join(sessionDir, "extensions", `${id}-${VERSION}`);
  const packs = {
    [LOCALE]: {
      hash: createHash("md5").update(id).update(VERSION).digest("hex"),
      extensions: [{ extensionIdentifier: { id }, version: VERSION }],
      translations: { vscode: join(installed, "translations", "main.i18n.json") },
      label: "中文(简体)",
    },
  };
  writeFileSync(join(userData, "languagepacks.json"), JSON.stringify(packs));
}
