import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWithSite } from "../../test/support/engine-with-site.ts";
import { noneEndpoint, secureEndpoint, signal, trustServer } from "../../test/support/opcua-fixtures.ts";
import { MODEL_START, node, startTestServer, TEST_USER, type TestServer } from "../../test/support/opcua-server.ts";
import { libraryBlock } from "../../test/library-block.ts";
import { listCertificates, moveCertificate } from "../../runtime/opcua/pki-store.ts";
import subscribe from "./runtime.ts";
import { StatusCodes } from "node-opcua";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function subscribeRun(options: { endpoints: Record<string, Record<string, unknown>>; config?: Record<string, unknown>; nodeId?: string; secrets?: Record<string, string>; dataDir?: string }) {
  return runWithSite({
    nodes: { watch: { block: subscribe, config: { signal: "counter", ...options.config }, outputs: ["out"] } },
    capture: ["watch.out"],
    signals: { counter: signal(options.nodeId ?? node("Counter"), { samplingMs: 10 }) },
    endpoints: options.endpoints,
    secrets: options.secrets ?? {},
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
}

/** node-opcua sets OPENSSL_CONF to the string "undefined" in this process; openssl must not read it. */
function withoutOpensslConf(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENSSL_CONF;
  return env;
}

describe("dengta.opcua.subscribe", () => {
  it("subscribes without security; ts is the value's source timestamp (model time)", async () => {
    const run = await subscribeRun({ endpoints: noneEndpoint(server) });
    const values = await run.waitFor("20 values", () => run.captured("watch.out").length >= 20 && run.captured("watch.out"));
    await run.stop();
    for (const msg of values) {
      expect(typeof msg.value).toBe("number");
      expect(msg.quality).toBe("good");
      expect(msg.ts).toBe(MODEL_START + (msg.value as number) * 10);
    }
    const counts = values.map((m) => m.value as number);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it("subscribes with SignAndEncrypt / Basic256Sha256 and a user whose password comes from a secret", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-sub-"));
    trustServer(server, dataDir);
    const run = await subscribeRun({ endpoints: secureEndpoint(server), secrets: { "plc-password": TEST_USER.password }, dataDir });
    await run.waitFor("5 values", () => run.captured("watch.out").length >= 5);
    await run.stop();
  });

  it("subscribes with Sign / Aes256_Sha256_RsaPss", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-sub-"));
    trustServer(server, dataDir);
    const endpoints = { plc: { url: server.url, security: { mode: "Sign", policy: "Aes256_Sha256_RsaPss" } } };
    const run = await subscribeRun({ endpoints, dataDir });
    await run.waitFor("5 values", () => run.captured("watch.out").length >= 5);
    await run.stop();
    expect(run.logs.find((l) => l.en.startsWith("connected to OPC UA server"))?.en).toContain("Sign/Aes256_Sha256_RsaPss");
  });

  it("signs in with a user certificate whose private key is a secret", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-sub-"));
    trustServer(server, dataDir);
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dataDir, "user.key"), "-out", join(dataDir, "user.pem"),
      "-subj", "/CN=dengta-operator", "-days", "2", "-sha256"], { encoding: "utf8", env: withoutOpensslConf() });
    expect(made.status, made.stderr).toBe(0);
    const endpoints = { plc: { url: server.url, security: { mode: "SignAndEncrypt", policy: "Basic256Sha256" }, certificate: { cert: "user.pem", key: { secret: "operator-key" } } } };
    const run = await subscribeRun({ endpoints, secrets: { "operator-key": readFileSync(join(dataDir, "user.key"), "utf8") }, dataDir });
    await run.waitFor("5 values", () => run.captured("watch.out").length >= 5);
    await run.stop();
    expect(run.logs.filter((l) => l.level === "error")).toEqual([]);
  });

  it("a missing secret is named, with how to provide it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-sub-"));
    const run = await subscribeRun({ endpoints: secureEndpoint(server), dataDir });
    const line = await run.waitFor("the error", () => run.logs.find((l) => l.level === "error"));
    await run.stop();
    expect(line.en).toContain("'plc-password'");
    expect(line.en).toContain("DENGTA_SECRET_PLC_PASSWORD");
    expect(line.zh).toContain("DENGTA_SECRET_PLC_PASSWORD");
  });

  it("refuses an unknown server certificate, names its thumbprint, and connects once it is trusted", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-sub-"));
    const run = await subscribeRun({ endpoints: secureEndpoint(server, "Aes256_Sha256_RsaPss"), secrets: { "plc-password": TEST_USER.password }, dataDir });
    const refusal = await run.waitFor("the refusal", () => run.logs.find((l) => l.level === "error" && l.en.includes("refused")));
    const rejected = listCertificates(dataDir).filter((c) => c.state === "rejected");
    expect(rejected).toHaveLength(1);
    const thumbprint = rejected[0]!.thumbprint;
    expect(thumbprint).toMatch(/^[0-9a-f]{40}$/);
    expect(refusal.en).toContain(thumbprint);
    expect(refusal.en).toContain(`dengta pki trust ${thumbprint} --data ${dataDir}`);
    expect(refusal.en).toMatch(/valid \d{4}-\d\d-\d\dT.* to \d{4}-/);
    expect(refusal.zh).toContain("指纹");
    expect(run.captured("watch.out")).toEqual([]);
    moveCertificate(dataDir, thumbprint, "trusted");
    await run.waitFor("values after trusting", () => run.captured("watch.out").length >= 3);
    await run.stop();
  });

  it("Bad and Uncertain statuses become quality bad and uncertain", async () => {
    const run = await subscribeRun({ endpoints: noneEndpoint(server), nodeId: node("Sensor") });
    await run.waitFor("first value", () => run.captured("watch.out").length >= 1);
    server.setSensorStatus(StatusCodes.BadSensorFailure);
    await run.waitFor("a bad value", () => run.captured("watch.out").some((m) => m.quality === "bad"));
    server.setSensorStatus(StatusCodes.UncertainLastUsableValue);
    await run.waitFor("an uncertain value", () => run.captured("watch.out").some((m) => m.quality === "uncertain"));
    server.setSensorStatus(StatusCodes.Good);
    await run.stop();
    expect(run.engine.counters()["watch.bad"]).toBeGreaterThanOrEqual(1);
  });

  it("resumes after a server restart, reports the gap, and does not crash", async () => {
    const own = await startTestServer();
    try {
      const run = await subscribeRun({ endpoints: noneEndpoint(own) });
      await run.waitFor("values before", () => run.captured("watch.out").length >= 5);
      expect(run.engine.counters()["watch.sessionConnected"]).toBe(1);
      await own.restart();
      const gap = await run.waitFor("the gap report", () => run.logs.find((l) => l.en.startsWith("reconnected")));
      const before = run.captured("watch.out").length;
      await run.waitFor("values after the restart", () => run.captured("watch.out").length >= before + 5);
      await run.stop();
      expect(gap.en).toMatch(/no data from \d{4}-.*Z to \d{4}-.*Z \(\d+ ms\)/);
      expect(gap.zh).toContain("无数据");
      expect(run.logs.some((l) => l.level === "warn" && l.en.startsWith("lost the connection"))).toBe(true);
      expect(run.engine.counters()["watch.gaps"]).toBe(1);
      expect(run.engine.counters()["watch.sessionConnected"]).toBe(1);
      expect(run.engine.counters()["watch.lastGapMs"]).toBeGreaterThan(0);
      expect(run.engine.stats().watch!.errors).toBe(0);
    } finally {
      await own.stop();
    }
  });

  it("has a valid manifest and config schema", () => {
    const validate = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const config: Record<string, unknown> = { signal: "partPresent" };
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ signal: "partPresent", edge: "any" });
    expect(validate({ signal: "x", deadband: { kind: "absolute", value: 0.5 }, samplingMs: 10, queueSize: 5, edge: "rising" })).toBe(true);
    expect(validate({ signal: "x", edge: "up" })).toBe(false);
    expect(validate({})).toBe(false);
  });
});
