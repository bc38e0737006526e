// Secrets by reference reach the service as systemd credentials, wherever the APP refers to them.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { buildCli, dengta, tempDir } from "../support/cli.ts";

it("passes the secrets named in block config and in the binding to systemd as credentials", () => {
  buildCli();
  const dir = tempDir("secrets");
  writeFileSync(join(dir, "store.iapp.yaml"), `dengta: 1
app: { id: store, version: 1.0.0, title: { en: Store, zh-CN: 存储 } }
nodes:
  tick: { block: dengta.time.timer@1, config: { intervalMs: 1000 } }
  db:
    block: dengta.store.postgres@1
    config: { connection: { host: 127.0.0.1, database: plant, user: { secret: pg-user }, password: { secret: pg-password } } }
edges:
  - tick.out -> db.in
`);
  const build = dengta(["build", join(dir, "store.iapp.yaml"), "--out", join(dir, "bundle")]);
  expect(build.status, build.stderr).toBe(0);
  const unit = readFileSync(join(dir, "bundle", "deploy", "dengta-store.service"), "utf8");
  expect(unit.split("\n").filter((l) => l.startsWith("LoadCredential="))).toEqual([
    "LoadCredential=pg-password:/etc/dengta/credentials/store/pg-password",
    "LoadCredential=pg-user:/etc/dengta/credentials/store/pg-user",
  ]);
});
