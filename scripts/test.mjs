// Runs every suite, prints each one's wall time, and ends with one combined line: N passed, N failed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const reports = join(root, "test-results");
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const bin = (name) => join(root, "node_modules", ".bin", name);
const only = process.argv.slice(2);

const suites = [
  { name: "typecheck", run: () => commands(bin("tsc"), [["--noEmit", "-p", "tsconfig.json"], ["--noEmit", "-p", "tsconfig.webview.json"]]) },
  { name: "unit", run: () => vitest("unit") },
  { name: "integration", run: () => vitest("integration") },
  { name: "vscode", run: () => vitest("vscode") },
];

/** A suite of commands: one test each, passed or failed. */
function commands(file, argLists) {
  const results = argLists.map((args) => spawnSync(file, args, { cwd: root, stdio: "inherit" }).status === 0);
  return { passed: results.filter(Boolean).length, failed: results.filter((ok) => !ok).length };
}

function vitest(name) {
  const out = join(reports, `${name}.json`);
  const result = spawnSync(bin("vitest"), ["run", "--project", name, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`], {
    cwd: root, stdio: "inherit", env: { ...process.env, FORCE_COLOR: process.env.CI ? "0" : process.env.FORCE_COLOR },
  });
  if (!existsSync(out)) return { passed: 0, failed: 1, note: `vitest exited ${result.status} without a report` };
  const report = JSON.parse(readFileSync(out, "utf8"));
  // A file that fails to load, or whose set-up (beforeAll) fails, has no failed test but still fails the suite.
  const broken = report.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((t) => t.status === "failed")).length;
  return { passed: report.numPassedTests, failed: report.numFailedTests + broken };
}

/** Debian packages the tests use, installed when we are root and they are missing. */
const debianPackages = [
  { probe: "command -v systemd-analyze", name: "systemd" },
  { probe: "command -v mosquitto", name: "mosquitto" },
  // Debian keeps PostgreSQL's server programs off PATH, under its versioned folder.
  { probe: "command -v initdb || ls /usr/lib/postgresql/*/bin/initdb", name: "postgresql" },
  // code-server's kerberos module builds against gssapi.h (scripts/code-server.mjs).
  { probe: "ls /usr/include/gssapi/gssapi.h", name: "libkrb5-dev" },
  // The real-VS-Code tests drive Debian's chromium through playwright-core.
  { probe: "command -v chromium", name: "chromium" },
  // Without it Chinese text renders as empty boxes in screenshots.
  { probe: "ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", name: "fonts-noto-cjk" },
];

function installDebianPackages() {
  const missing = debianPackages.filter((p) => spawnSync("sh", ["-c", p.probe]).status !== 0).map((p) => p.name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    process.stdout.write(`missing Debian packages (install them as root): ${missing.join(" ")}\n`);
    return;
  }
  process.stdout.write(`installing Debian packages: ${missing.join(" ")}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: "inherit", env });
}

installDebianPackages();
// A real VS Code (code-server) for the extension's tests, cached outside the clone: a machine pays
// its install once, before the timed suites.
if (only.length === 0 || only.includes("vscode")) {
  spawnSync(process.execPath, [join(root, "scripts", "code-server.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
}
const totals = { passed: 0, failed: 0 };
const lines = [];
for (const suite of suites.filter((s) => only.length === 0 || only.includes(s.name))) {
  process.stdout.write(`\n=== suite ${suite.name}\n`);
  const started = performance.now();
  const result = suite.run();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  totals.passed += result.passed;
  totals.failed += result.failed;
  lines.push(`suite ${suite.name}: ${result.passed} passed, ${result.failed} failed in ${seconds} s${result.note ? ` (${result.note})` : ""}`);
  process.stdout.write(`=== ${lines.at(-1)}\n`);
}
process.stdout.write(`\n${lines.join("\n")}\n${totals.passed} passed, ${totals.failed} failed\n`);
process.exitCode = totals.failed === 0 ? 0 : 1;
