import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { validate as validateDockerfile } from "dockerfile-utils";
import { Deployment } from "kubernetes-models/apps/v1";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { dengta, root, tempDir } from "../support/cli.ts";
import { nodeOfMajor } from "../support/node-versions.ts";

const app = join(root, "samples/oven-watch/oven-watch.iapp.yaml");
const binding = join(root, "samples/oven-watch/training-bench.binding.yaml");
const START = "2026-03-01T08:00:00.000Z";

/** What the sample writes on the virtual clock from START: the bench's limit is 82 °C. */
const expectedAlarms = [
  { ts: "2026-03-01T08:00:02.800Z", state: "raised", value: 82.4 },
  { ts: "2026-03-01T08:00:03.000Z", state: "cleared", value: 60 },
  { ts: "2026-03-01T08:00:05.800Z", state: "raised", value: 82.4 },
  { ts: "2026-03-01T08:00:06.000Z", state: "cleared", value: 60 },
].map((a) => ({ ts: a.ts, source: "limit", quality: "good", value: { state: a.state, value: a.value, limit: 82 } }));

let work: string;
let keys: { acme: string; other: string };
let bundle: string;

function build(out: string, ...extra: string[]) {
  const result = dengta(["build", app, "--binding", binding, "--out", out, "--key", `${keys.acme}.key`, ...extra]);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return out;
}

function runBundle(dir: string, args: string[], node = process.execPath) {
  return spawnSync(node, [join(dir, "main.js"), ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, LANG: "C.UTF-8" } });
}

function virtualRun(dir: string, data: string, node?: string) {
  return runBundle(dir, ["--trust-key", `${keys.acme}.pub`, "--clock", "virtual", "--start", START, "--data", data], node);
}

function alarmsIn(data: string) {
  return readFileSync(join(data, "alarms", "alarms.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

/** A copy of the bundle to damage. */
function copyOfBundle(): string {
  const copy = join(tempDir("copy"), "bundle");
  cpSync(bundle, copy, { recursive: true });
  return copy;
}

beforeAll(() => {
  work = tempDir("bundle");
  keys = { acme: join(work, "keys", "acme"), other: join(work, "keys", "other") };
  for (const prefix of Object.values(keys)) expect(dengta(["keygen", "--out", prefix]).status).toBe(0);
  bundle = build(join(work, "oven-watch"));
});

describe("edge bundle", () => {
  it("holds the runtime, the used blocks, the normalised APP and binding, deploy files, a manifest and a signature", () => {
    const files = readdirSync(bundle, { recursive: true }).map(String).sort();
    expect(files).toEqual([
      "README.txt", "app.json", "binding.json", "deploy", "deploy/Dockerfile", "deploy/dengta-oven-watch.service",
      "deploy/kubernetes.yaml", "main.js", "manifest.json", "package.json", "signature.json",
    ]);
    const manifest = JSON.parse(readFileSync(join(bundle, "manifest.json"), "utf8"));
    expect(manifest.blocks).toEqual(["dengta.flow.map@1.0.0", "dengta.logic.threshold@1.1.0", "dengta.store.file@1.0.0", "dengta.time.timer@1.0.0"]);
    const normalised = JSON.parse(readFileSync(join(bundle, "app.json"), "utf8"));
    expect(normalised.nodes.map((n: { id: string }) => n.id)).toEqual(["tick", "oven", "limit", "readings", "alarms"]);
    // The binding's parameter replaced the APP's default of 80.
    expect(normalised.nodes[2].config).toEqual({ limit: 82, direction: "above", hysteresis: 0 });
    expect(existsSync(`${bundle}.tgz`)).toBe(true);
  });

  it("is byte-identical when built again from the same inputs in another folder", () => {
    const again = build(join(tempDir("again"), "elsewhere"));
    expect(readFileSync(`${again}.tgz`).equals(readFileSync(`${bundle}.tgz`))).toBe(true);
    for (const file of ["main.js", "manifest.json", "signature.json", "app.json"]) {
      expect(readFileSync(join(again, file)).equals(readFileSync(join(bundle, file)))).toBe(true);
    }
  });

  it("runs with node main.js under the pinned Node 24, on virtual time, with the expected output", () => {
    const data = join(tempDir("data"), "d");
    const result = virtualRun(bundle, data);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(process.version).toMatch(/^v24\./);
    expect(alarmsIn(data)).toEqual(expectedAlarms);
    expect(readFileSync(join(data, "readings", "readings.csv"), "utf8").trim().split("\n")).toHaveLength(31);
  });

  it("runs the same under Node 22", async () => {
    const node22 = await nodeOfMajor(22);
    const version = spawnSync(node22, ["--version"], { encoding: "utf8" }).stdout.trim();
    expect(version).toMatch(/^v22\./);
    const data = join(tempDir("data22"), "d");
    const result = virtualRun(bundle, data, node22);
    expect(result.status).toBe(0);
    expect(alarmsIn(data)).toEqual(expectedAlarms);
  }, 180_000);

  it("passes dengta verify with the publisher's key", () => {
    const result = dengta(["verify", bundle, "--trust-key", `${keys.acme}.pub`]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("verified");
  });

  describe("refuses, in dengta verify and at start,", () => {
    const cases: Array<[string, (dir: string) => void, RegExp]> = [
      ["a changed file", (dir) => writeFileSync(join(dir, "app.json"), readFileSync(join(dir, "app.json"), "utf8").replace("82", "99")), /file changed since it was signed: app\.json/],
      ["a missing file", (dir) => rmSync(join(dir, "deploy", "Dockerfile")), /file missing: deploy\/Dockerfile/],
      ["an added file", (dir) => writeFileSync(join(dir, "extra.js"), "require('child_process')"), /file not in the manifest: extra\.js/],
      ["a changed manifest", (dir) => writeFileSync(join(dir, "manifest.json"), readFileSync(join(dir, "manifest.json"), "utf8").replace('"1.0.0"', '"1.0.1"')), /signature does not match/],
      ["a removed signature", (dir) => rmSync(join(dir, "signature.json")), /not signed/],
    ];
    for (const [what, damage, message] of cases) {
      it(what, () => {
        const copy = copyOfBundle();
        damage(copy);
        const verify = dengta(["verify", copy, "--trust-key", `${keys.acme}.pub`]);
        expect(verify.status).toBe(1);
        expect(verify.stderr).toMatch(message);
        const start = virtualRun(copy, join(copy, "data"));
        expect(start.status).toBe(1);
        expect(start.stderr).toMatch(message);
        expect(start.stderr).not.toMatch(/\n\s+at /);
        expect(existsSync(join(copy, "data", "alarms"))).toBe(false);
      });
    }
  });

  it("refuses a bundle signed by a key the box does not trust, in Chinese too", () => {
    const result = runBundle(bundle, ["--trust-key", `${keys.other}.pub`, "--lang", "zh-CN"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("拒绝运行该边缘包");
    expect(result.stderr).toMatch(/签名密钥 [0-9a-f]{16} 不受本机信任/);
  });

  it("refuses a signature made with another key under the trusted key's id", () => {
    const copy = copyOfBundle();
    const forged = build(join(tempDir("forged"), "b"), "--key", `${keys.other}.key`);
    const good = JSON.parse(readFileSync(join(copy, "signature.json"), "utf8"));
    const bad = JSON.parse(readFileSync(join(forged, "signature.json"), "utf8"));
    writeFileSync(join(copy, "signature.json"), JSON.stringify({ ...bad, keyId: good.keyId }));
    const result = dengta(["verify", copy, "--trust-key", `${keys.acme}.pub`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/signature does not match/);
  });

  it("runs an unsigned bundle only when explicitly allowed", () => {
    const out = join(tempDir("unsigned"), "b");
    const built = dengta(["build", app, "--binding", binding, "--out", out]);
    expect(built.status).toBe(0);
    expect(built.stdout).toContain("unsigned");
    expect(runBundle(out, ["--clock", "virtual"]).status).toBe(1);
    expect(runBundle(out, ["--clock", "virtual", "--allow-unsigned", "--data", join(out, "data")]).status).toBe(0);
  });

  it("stops cleanly on SIGTERM, flushing everything it received", async () => {
    const dir = tempDir("endless");
    const endless = join(dir, "endless.iapp.yaml");
    writeFileSync(endless, readFileSync(app, "utf8").replace("{ intervalMs: 200, count: 30 }", "{ intervalMs: 10 }"));
    const out = join(dir, "bundle");
    expect(dengta(["build", endless, "--out", out, "--key", `${keys.acme}.key`]).status).toBe(0);
    const child = spawn(process.execPath, [join(out, "main.js"), "--trust-key", `${keys.acme}.pub`, "--json", "--data", join(dir, "data")]);
    let stdout = "";
    let sent = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      // Stop once a few readings are certainly in flight: after the first alarm is logged.
      if (stdout.includes("alarm raised") && !sent) sent = child.kill("SIGTERM");
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    const summary = stdout.trim().split("\n").map((l) => JSON.parse(l)).find((r) => r.message === "stopped");
    const lines = readFileSync(join(dir, "data", "readings", "readings.csv"), "utf8").trim().split("\n");
    expect(summary.stats.tick.out).toBeGreaterThanOrEqual(10);
    expect(lines.length - 1).toBe(summary.stats.tick.out);
  });

  it("serves /healthz and /metrics while it runs, and keeps running when the port is taken", async () => {
    const dir = tempDir("health");
    const endless = join(dir, "endless.iapp.yaml");
    writeFileSync(endless, readFileSync(app, "utf8").replace("{ intervalMs: 200, count: 30 }", "{ intervalMs: 10 }"));
    const out = join(dir, "bundle");
    expect(dengta(["build", endless, "--out", out, "--key", `${keys.acme}.key`]).status).toBe(0);
    const child = spawn(process.execPath, [join(out, "main.js"), "--trust-key", `${keys.acme}.pub`, "--json", "--health", "127.0.0.1:0", "--data", join(dir, "data")]);
    const url = await new Promise<string>((resolve) => {
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        const found = /(http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(stdout);
        if (found) resolve(found[1]!);
      });
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", app: "oven-watch@1.0.0", nodes: 5 });
    // Wait until the timer has certainly ticked, then read its counter.
    let metrics = "";
    for (let tries = 0; tries < 200 && !/dengta_block_messages_out_total\{node="tick",block="dengta\.time\.timer@1"\} [1-9]/.test(metrics); tries++) {
      metrics = await (await fetch(`${url}/metrics`)).text();
    }
    expect(metrics).toMatch(/dengta_block_messages_out_total\{node="tick",block="dengta\.time\.timer@1"\} [1-9]/);
    expect(metrics).toMatch(/dengta_block_queue_depth\{node="oven",block="dengta\.flow\.map@1"\} \d+/);
    expect(metrics).toContain("dengta_process_resident_memory_bytes");
    const port = Number(new URL(url).port);
    const second = spawnSync(process.execPath, [join(out, "main.js"), "--trust-key", `${keys.acme}.pub`, "--health", `127.0.0.1:${port}`, "--clock", "virtual", "--for", "1s", "--data", join(dir, "data2")], { encoding: "utf8" });
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/cannot serve health and metrics on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("ends by itself on the wall clock once the APP has nothing left to do, health server and all", () => {
    const dir = tempDir("ends");
    const short = join(dir, "short.iapp.yaml");
    writeFileSync(short, readFileSync(app, "utf8").replace("{ intervalMs: 200, count: 30 }", "{ intervalMs: 10, count: 5 }"));
    const out = join(dir, "bundle");
    expect(dengta(["build", short, "--out", out, "--key", `${keys.acme}.key`]).status).toBe(0);
    const result = runBundle(out, ["--trust-key", `${keys.acme}.pub`, "--health", "127.0.0.1:0", "--data", join(dir, "data")]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("health and metrics: http://127.0.0.1:");
    expect(readFileSync(join(dir, "data", "readings", "readings.csv"), "utf8").trim().split("\n")).toHaveLength(6);
  });

  it("reports every node's figures with --status-every, and runs on when its output pipe is closed", async () => {
    const data = join(tempDir("status"), "d");
    const child = spawn(process.execPath, [join(bundle, "main.js"), "--trust-key", `${keys.acme}.pub`, "--json", "--no-health", "--status-every", "100", "--data", data]);
    const status = await new Promise<{ stats: Record<string, { out: number }> }>((resolve) => {
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        const line = stdout.split("\n").find((l) => l.includes('"level":"status"'));
        if (line) resolve(JSON.parse(line));
      });
    });
    expect(Object.keys(status.stats)).toEqual(["tick", "oven", "limit", "readings", "alarms"]);
    child.stdout.destroy();
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(alarmsIn(data)).toHaveLength(4);
  });

  it("refuses to build an APP with errors, writing nothing", () => {
    const dir = tempDir("broken");
    const broken = join(dir, "broken.iapp.yaml");
    writeFileSync(broken, readFileSync(app, "utf8").replace("oven.out -> limit.in", "oven.out -> limit.input"));
    const out = join(dir, "out");
    const result = dengta(["build", broken, "--out", out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/broken\.iapp\.yaml:\d+:\d+: error unknown-port/);
    expect(existsSync(out)).toBe(false);
  });

  it("never replaces a folder that is not a bundle", () => {
    const dir = tempDir("precious");
    writeFileSync(join(dir, "thesis.txt"), "years of work");
    const result = dengta(["build", app, "--binding", binding, "--out", dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("not empty and is not a bundle");
    expect(readFileSync(join(dir, "thesis.txt"), "utf8")).toBe("years of work");
  });

  describe("deploy files", () => {
    it("include a Dockerfile with no problems and one that a broken Dockerfile would fail", () => {
      const dockerfile = readFileSync(join(bundle, "deploy", "Dockerfile"), "utf8");
      expect(validateDockerfile(dockerfile)).toEqual([]);
      expect(validateDockerfile(dockerfile.replace("WORKDIR", "WORKDIRR")).length).toBeGreaterThan(0);
      expect(dockerfile).toContain("FROM --platform=linux/amd64 node:24-bookworm-slim");
    });

    it("include a Kubernetes Deployment valid against the Kubernetes schema", () => {
      const manifest = parseYaml(readFileSync(join(bundle, "deploy", "kubernetes.yaml"), "utf8"));
      expect(() => new Deployment(manifest).validate()).not.toThrow();
      expect(() => new Deployment({ ...manifest, spec: { ...manifest.spec, replicas: "one" } }).validate()).toThrow();
      expect(manifest.spec.template.spec.nodeSelector["kubernetes.io/arch"]).toBe("amd64");
    });

    it("include a systemd unit that systemd-analyze accepts without a warning", () => {
      const probe = spawnSync("systemd-analyze", ["--version"]);
      if (probe.error) {
        // The test runner installs systemd when it can; say so rather than pass silently.
        throw new Error("systemd-analyze is not installed (apt-get install systemd)");
      }
      const unit = join(tempDir("unit"), "dengta-oven-watch.service");
      cpSync(join(bundle, "deploy", "dengta-oven-watch.service"), unit);
      const result = spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      writeFileSync(unit, readFileSync(unit, "utf8").replace("Restart=on-failure", "Restart=sometimes"));
      expect(spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" }).stderr).toMatch(/restart specifier/);
    });
  });

  it("carries the target's Node 24 with --with-node and runs on it", () => {
    const out = build(join(tempDir("with-node"), "b"), "--with-node");
    const node = join(out, "node", "bin", "node");
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.bundledNode).toMatch(/^24\./);
    expect(manifest.files["node/bin/node"].mode).toBe("755");
    expect(readFileSync(join(out, "deploy", "dengta-oven-watch.service"), "utf8")).toContain("ExecStart=/opt/dengta/oven-watch/node/bin/node ");
    const data = join(out, "data");
    const result = runBundle(out, ["--trust-key", `${keys.acme}.pub`, "--clock", "virtual", "--start", START, "--data", data], node);
    expect(result.status).toBe(0);
    expect(alarmsIn(data)).toEqual(expectedAlarms);
  }, 300_000);

  it("builds for linux-arm64 with an arm64 Node binary and arm64 deploy files", () => {
    const out = build(join(tempDir("arm64"), "b"), "--with-node", "--target", "linux-arm64");
    const elf = readFileSync(join(out, "node", "bin", "node")).subarray(0, 20);
    expect(elf.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(elf.readUInt16LE(18)).toBe(183); // EM_AARCH64
    expect(readFileSync(join(out, "deploy", "Dockerfile"), "utf8")).toContain("--platform=linux/arm64");
    expect(parseYaml(readFileSync(join(out, "deploy", "kubernetes.yaml"), "utf8")).spec.template.spec.nodeSelector["kubernetes.io/arch"]).toBe("arm64");
  }, 300_000);
});
