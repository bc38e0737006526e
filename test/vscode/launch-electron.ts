// The standard launcher for machines that CAN download VS Code: @vscode/test-electron fetches a VS Code
// build (into .vscode-test/) and starts it with --extensionDevelopmentPath and --extensionTestsPath.
//
// It does NOT run on the project's build machines: they reach only the npm registry and Debian, not
// update.code.visualstudio.com, so the download fails. There, extension tests run in code-server
// (test/support/code-server.ts, which rejects --extensionDevelopmentPath/--extensionTestsPath): the
// extension runs its bundled suite on activation when $DENGTA_TEST_RESULTS is set.
//
//   node test/vscode/launch-electron.ts [--extension <dir>] [--tests <module>] [--workspace <dir>] [--version <v>]
//
// --extension: the folder holding the extension manifest (default: the repository root).
// --tests:     a built CommonJS module exporting `run(): Promise<void>` that rejects when a test fails
//              (default: <extension>/out/test/index.js).
// --workspace: a folder to open (default: none). --version: VS Code version (default: stable).
// DENGTA_TEST_RESULTS is passed through, so the same suite can also write its results file.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runTests, TestRunFailedError } from "@vscode/test-electron";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export async function launchElectron(options: { extension?: string; tests?: string; workspace?: string; version?: string } = {}): Promise<number> {
  const extensionDevelopmentPath = resolve(options.extension ?? ROOT);
  const extensionTestsPath = resolve(options.tests ?? join(extensionDevelopmentPath, "out", "test", "index.js"));
  if (!existsSync(extensionTestsPath)) throw new Error(`no test module at ${extensionTestsPath}: build the extension's test bundle first`);
  const launchArgs = ["--disable-extensions", "--disable-workspace-trust", "--skip-welcome", "--skip-release-notes"];
  if (options.workspace !== undefined) launchArgs.unshift(resolve(options.workspace));
  const extensionTestsEnv: Record<string, string | undefined> = {};
  if (process.env.DENGTA_TEST_RESULTS) extensionTestsEnv.DENGTA_TEST_RESULTS = resolve(process.env.DENGTA_TEST_RESULTS);
  return runTests({
    extensionDevelopmentPath,
    extensionTestsPath,
    launchArgs,
    extensionTestsEnv,
    ...(options.version === undefined ? {} : { version: options.version }),
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { extension: { type: "string" }, tests: { type: "string" }, workspace: { type: "string" }, version: { type: "string" } },
  });
  launchElectron(values).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof TestRunFailedError ? `VS Code tests failed (${error.code ?? error.signal})` : error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
