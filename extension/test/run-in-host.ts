// Runs the in-host suite inside VS Code's extension host and writes its results as JSON, for the
// launchers (code-server here, @vscode/test-electron where VS Code can be downloaded).
import { renameSync, writeFileSync } from "node:fs";
import Mocha from "mocha";

export interface InHostResults {
  passes: Array<{ title: string; durationMs: number }>;
  failures: Array<{ title: string; message: string; diff?: string }>;
}

/** `load` registers the suites (describe/it are global once mocha's pre-require has run). */
export async function runInHost(resultsFile: string, load: () => void): Promise<InHostResults> {
  const mocha = new Mocha({ ui: "bdd", timeout: 30_000, color: false, reporter: "spec" });
  mocha.suite.emit("pre-require", globalThis, "in-host", mocha);
  load();
  const results: InHostResults = { passes: [], failures: [] };
  await new Promise<void>((done) => {
    mocha.run(() => done())
      .on("pass", (test) => results.passes.push({ title: test.fullTitle(), durationMs: test.duration ?? 0 }))
      .on("fail", (test, error: Error & { actual?: unknown; expected?: unknown }) => results.failures.push({
        title: test.fullTitle(), message: error.message,
        ...(error.actual !== undefined || error.expected !== undefined ? { diff: `expected ${JSON.stringify(error.expected)}\nactual   ${JSON.stringify(error.actual)}` } : {}),
      }));
  });
  // Written whole, then renamed: the launcher never reads half a file.
  writeFileSync(`${resultsFile}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${resultsFile}.tmp`, resultsFile);
  return results;
}
