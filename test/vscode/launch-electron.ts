// The standard launcher for machines that CAN download VS Code: @vscode/test-electron fetches a VS Code
// build (into .vscode-test/) and starts it with --extensionDevelopmentPath and --extensionTestsPath.
//
// It does NOT run on the project's build machines: they reach only the npm registry and Debian, not
// update.code.visualstudio.com, so the download fails. There, extension tests run in code-server
// (test/support/code-server.ts, which rejects --extensionDevelopmentPath/--extensionTestsPath): the
// extension runs its bundled suite on activation when $DENGTA_TEST_RESULTS is set.
//
//   node scripts/build-extension.mjs --with-tests && node test/vscode/launch-electron.ts [--version <v>]
//
// --extension: the staged extension (default: dist/extension).
// --tests:     a built CommonJS module exporting `run(resultsFile)` that rejects when a test fails
//              (default: the in-host suite, <extension>/dist/in-host-tests.js).
// --workspace: a folder to open (default: a new one holding a copy of samples/oven-watch).
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runTests, TestRunFailedError } from "@vscode/test-electron";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export async function launchElectron(options: { extension?: string; tests?: string; workspace?: string; version?: string } = {}): Promise<number> {
  const extensionDevelopmentPath = resolve(options.extension ?? join(ROOT, "dist", "extension"));
  const extensionTestsPath = resolve(options.tests ?? join(extensionDevelopmentPath, "dist", "in-host-tests.js"));
  if (!existsSync(extensionTestsPath)) throw new Error(`no test module at ${extensionTestsPath}: run node scripts/build-extension.mjs --with-tests first`);
  const workspace = resolve(options.workspace ?? sampleWorkspace());
  const launchArgs = [workspace, "--disable-extensions", "--disable-workspace-trust", "--skip-welcome", "--skip-release-notes"];
  return runTests({
    extensionDevelopmentPath,
    extensionTestsPath,
    launchArgs,
    ...(options.version === undefined ? {} : { version: options.version }),
  });
}

/** The extension activates on a workspace holding an APP. */
function sampleWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "dengta-electron-"));
  cpSync(join(ROOT, "samples", "oven-watch"), join(dir, "oven-watch"), { recursive: true });
  return dir;
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
