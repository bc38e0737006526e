// The in-host suite's entry, built only into the test build of the extension (dist/in-host-tests.js).
// Both launchers call run(): code-server's through the extension (DENGTA_TEST_RESULTS), and
// @vscode/test-electron's as its extensionTestsPath, which wants a rejection when a test fails.
import { join } from "node:path";
import { tmpdir } from "node:os";
import { runInHost, type InHostResults } from "./run-in-host.ts";

export async function run(resultsFile = join(tmpdir(), `dengta-in-host-${process.pid}.json`)): Promise<InHostResults> {
  const results = await runInHost(resultsFile, () => {
    require("./canvas.in-host.ts");
    require("./commands.in-host.ts");
    require("./devices.in-host.ts");
    require("./run.in-host.ts");
  });
  if (results.failures.length > 0) throw new Error(`${results.failures.length} in-host test(s) failed: ${results.failures.map((f) => f.title).join("; ")}`);
  return results;
}
