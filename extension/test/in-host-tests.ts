// The in-host suite's entry, built only into the test build of the extension (dist/in-host-tests.js).
import { runInHost, type InHostResults } from "./run-in-host.ts";

export function run(resultsFile: string): Promise<InHostResults> {
  return runInHost(resultsFile, () => {
    require("./canvas.in-host.ts");
    require("./commands.in-host.ts");
  });
}
