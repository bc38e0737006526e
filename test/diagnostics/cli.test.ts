// `dengta validate` end to end on good, broken and hostile files: exit codes, output forms, languages.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { badInputs, slowInputs, type BadInput } from "./bad-inputs.ts";
import { expectedIn, isWarning } from "./expectations.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = join(root, "test", "diagnostics", "fixtures");
const sample = join(root, "samples", "oven-watch", "oven-watch.iapp.yaml");
/** Far above the ~0.3 s a call takes; a call still running then is taken to hang, and killed. */
const TIMEOUT_MS = 10_000;
/** Big inputs take ~2 s alone, several times that on a busy 2-core CI machine: a hang guard, not a speed test. */
const BIG_INPUT_TIMEOUT_MS = 60_000;
const STACK_LINE = /^ {4}at /m;
const CJK = /[\u3400-\u9fff]/;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of an English-speaking user, whatever the machine running the tests. */
function englishEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LANG: "C.UTF-8" };
  for (const name of ["LC_ALL", "LC_MESSAGES", "DENGTA_LANG", "DENGTA_DEBUG"]) delete env[name];
  return env;
}

/** Runs the CLI as a user does; asynchronous so that independent runs can overlap. */
function dengta(args: string[], env: NodeJS.ProcessEnv = englishEnv(), timeout = TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "bin", "dengta.mjs"), ...args], { cwd: root, env, timeout, killSignal: "SIGKILL" });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

function expectNoStackTrace(run: Run): void {
  expect(STACK_LINE.test(run.stdout), run.stdout.slice(0, 2000)).toBe(false);
  expect(STACK_LINE.test(run.stderr), run.stderr.slice(0, 2000)).toBe(false);
}

/** Exit 1 (problems) or 2 (unreadable), not 3 (internal error) and not killed by the timeout (null). */
function expectCleanRefusal(run: Run): void {
  expectNoStackTrace(run);
  expect([1, 2], `exit ${run.status}: ${run.stderr.slice(0, 500)}`).toContain(run.status);
}

const dir = mkdtempSync(join(tmpdir(), "dengta-cli-diagnostics-"));

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs", "--quiet"], { cwd: root });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent("dengta validate", () => {
  it("exits 0 on a good file", async () => {
    const run = await dengta(["validate", sample]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("ok");
    expect(run.stderr).toBe("");
  });

  it("exits 1 on a file with errors, with file:line:column: error code: on stderr", async () => {
    const file = join(fixtures, "cycle.iapp.yaml");
    const run = await dengta(["validate", file]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file}:9:5: error cycle: `);
  });

  it("exits 2 on a missing file", async () => {
    const run = await dengta(["validate", join(dir, "missing.iapp.yaml")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("file-unreadable");
  });

  it("exits 2 on an unknown option", async () => {
    const run = await dengta(["validate", "--no-such-option", sample]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--no-such-option");
  });

  it("prints JSON with a diagnostics array when asked", async () => {
    const [bad, good] = await Promise.all([
      dengta(["validate", "--json", join(fixtures, "unknown-port.iapp.yaml")]),
      dengta(["validate", "--json", sample]),
    ]);
    expect(JSON.parse(bad.stdout).diagnostics).toEqual([expect.objectContaining({ code: "unknown-port", line: 8, column: 5 })]);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, diagnostics: [] });
  });

  it("speaks Chinese with --lang zh-CN", async () => {
    const run = await dengta(["validate", "--lang", "zh-CN", join(fixtures, "cycle.iapp.yaml")]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(":9:5: 错误 cycle: 连线构成了环");
  });

  it("speaks Chinese with --lang zh-CN about a file it refuses", async () => {
    const file = join(dir, "binary.iapp.yaml");
    writeFileSync(file, Uint8Array.from([0x61, 0x3a, 0x00, 0xff]));
    const run = await dengta(["validate", "--lang", "zh-CN", file]);
    expectCleanRefusal(run);
    expect(run.stderr).toMatch(CJK);
    expect(run.stderr).toContain("not-text");
  });

  it("speaks Chinese when LANG=zh_CN.UTF-8", async () => {
    const run = await dengta(["validate", join(fixtures, "cycle.iapp.yaml")], { ...englishEnv(), LANG: "zh_CN.UTF-8" });
    expect(run.stderr).toContain("连线构成了环");
  });

  it("speaks Chinese when LANG=zh_CN.UTF-8 and LC_ALL is set but empty, as POSIX reads it", async () => {
    const run = await dengta(["validate", join(fixtures, "cycle.iapp.yaml")], { ...englishEnv(), LANG: "zh_CN.UTF-8", LC_ALL: "" });
    expect(run.stderr).toContain("连线构成了环");
  });
});

describe.concurrent("dengta validate on every fixture", () => {
  const names = readdirSync(fixtures).filter((name) => name.endsWith(".iapp.yaml")).sort();

  it.each(names)("%s: exits 1 on errors, 0 on warnings alone, no stack trace", async (name) => {
    const app = join(fixtures, name);
    const binding = app.replace(/\.iapp\.yaml$/, ".binding.yaml");
    const run = await dengta(["validate", app, ...(existsSync(binding) ? ["--binding", binding] : [])]);
    expectNoStackTrace(run);
    const expected = [...expectedIn(app), ...(existsSync(binding) ? expectedIn(binding) : [])];
    // The CLI knows only the library's blocks, so a fixture using the test block has errors here.
    const usesTestBlock = readFileSync(app, "utf8").includes("test.io.");
    expect(run.status, run.stderr.slice(0, 500)).toBe(expected.every(isWarning) && !usesTestBlock ? 0 : 1);
  });
});

function writeInput(input: BadInput, index: number): string {
  const file = join(dir, `bad-${index}.iapp.yaml`);
  writeFileSync(file, input.content());
  return file;
}

describe.concurrent("dengta validate on bad input", () => {
  it.each(badInputs.map((input, index) => ({ ...input, index })))("$name: exits 1 or 2 quickly, in plain text and in JSON", async (input) => {
    const file = writeInput(input, input.index);
    const [text, json] = await Promise.all([dengta(["validate", file]), dengta(["validate", "--json", file])]);
    for (const run of [text, json]) expectCleanRefusal(run);
    expect(text.stderr).toMatch(/:\d+:\d+: error [a-z-]+: /);
    expect(JSON.parse(json.stdout).diagnostics.length).toBeGreaterThan(0);
  });
});

describe.concurrent("dengta validate on big input within the size limit", () => {
  it.each(slowInputs.map((input, index) => ({ ...input, index: badInputs.length + index })))("$name: exits 1 before the timeout", async (input) => {
    const run = await dengta(["validate", writeInput(input, input.index)], englishEnv(), BIG_INPUT_TIMEOUT_MS);
    expect(run.status, "null: killed after 60 s").toBe(1);
    expectNoStackTrace(run);
  }, BIG_INPUT_TIMEOUT_MS + 30_000);
});
