import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSecret } from "./secrets.ts";

describe("secrets on the box", () => {
  it("come from DENGTA_SECRET_<NAME> first", () => {
    expect(readSecret("plc-password", { DENGTA_SECRET_PLC_PASSWORD: "s3cret" })).toBe("s3cret");
  });

  it("come from a 0600 file in the credentials folder, without its final newline", () => {
    const folder = mkdtempSync(join(tmpdir(), "dengta-credentials-"));
    writeFileSync(join(folder, "plc-password"), "from-file\n", { mode: 0o600 });
    expect(readSecret("plc-password", { CREDENTIALS_DIRECTORY: folder })).toBe("from-file");
    expect(readSecret("other", { CREDENTIALS_DIRECTORY: folder })).toBeUndefined();
  });

  it("refuse a file others may read", () => {
    const folder = mkdtempSync(join(tmpdir(), "dengta-credentials-"));
    writeFileSync(join(folder, "open"), "x");
    chmodSync(join(folder, "open"), 0o644);
    expect(() => readSecret("open", { DENGTA_CREDENTIALS: folder })).toThrow(/chmod 600/);
  });
});
