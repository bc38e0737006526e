import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pkiCommand } from "../../cli/commands/pki.ts";
import type { CliContext } from "../../cli/output.ts";
import { trustServer } from "../../test/support/opcua-fixtures.ts";
import { startTestServer, type TestServer } from "../../test/support/opcua-server.ts";
import { listCertificates, moveCertificate } from "./pki-store.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function cli(args: string[], locale: CliContext["locale"] = "en") {
  const ctx: CliContext = { locale, json: args.includes("--json") };
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((s) => (out.push(String(s)), true));
  try {
    await pkiCommand(ctx).exitOverride().parseAsync(args, { from: "user" });
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return { text: out.join(""), exitCode: ctx.exitCode ?? 0 };
}

describe("pki store and `dengta pki`", () => {
  it("lists, rejects and trusts by thumbprint (a unique prefix is enough)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-pki-"));
    trustServer(server, dataDir);
    const [cert] = listCertificates(dataDir);
    expect(cert).toMatchObject({ state: "trusted", thumbprint: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(cert!.subject).toContain("CN=");

    const listed = await cli(["list", "--data", dataDir]);
    expect(listed.text).toContain(cert!.thumbprint);
    expect(listed.text).toMatch(/trusted .* valid \d{4}-/);

    const rejected = await cli(["reject", cert!.thumbprint.slice(0, 8), "--data", dataDir]);
    expect(rejected.text).toContain(`rejected ${cert!.thumbprint}`);
    expect(listCertificates(dataDir)[0]!.state).toBe("rejected");

    const trusted = await cli(["trust", cert!.thumbprint, "--data", dataDir, "--json"]);
    expect(JSON.parse(trusted.text)).toMatchObject({ ok: true, certificate: { state: "trusted", thumbprint: cert!.thumbprint } });
    expect((await cli(["list", "--data", dataDir], "zh-CN")).text).toContain("已信任");
  });

  it("an unknown or malformed thumbprint is a clear error in both languages", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-pki-"));
    const missing = await cli(["trust", "0123456789abcdef", "--data", dataDir]);
    expect(missing.exitCode).toBe(1);
    expect(missing.text).toContain("no certificate with thumbprint 0123456789abcdef");
    expect((await cli(["trust", "xyz", "--data", dataDir], "zh-CN")).text).toContain("不是证书指纹");
    expect(() => moveCertificate(dataDir, "xyz", "trusted")).toThrow(/not a thumbprint/);
  });
});
