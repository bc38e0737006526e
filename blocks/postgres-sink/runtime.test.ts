import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeSchemaError } from "../../core/schema-messages.ts";
import { schemaErrors } from "../../core/schemas.ts";
import { Events, openDatabase } from "../../runtime/storage/index.ts";
import { runInHarness, type HarnessRun } from "../../test/harness.ts";
import { libraryBlock } from "../../test/library-block.ts";
import { freePort } from "../../test/support/mosquitto.ts";
import { startPostgres, type Postgres } from "../../test/support/postgres.ts";
import postgresSink from "./runtime.ts";

const START = Date.UTC(2026, 0, 1);
const PASSWORD = "s3cret-pw";

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const upTo = (n: number, from = 1) => Array.from({ length: n - from + 1 }, (_, i) => from + i);
const counter = (run: HarnessRun, name: string) => run.engine.counters()[`pg.${name}`] ?? 0;

interface StoredRow {
  seq: string;
  ts: Date;
  series: string;
  value: unknown;
  quality: string;
  source: string;
  writer: string;
  batch: string;
}

describe("dengta.store.postgres", () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await startPostgres({ passwordRoles: { dengta_writer: PASSWORD } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const connection = (overrides: Record<string, unknown> = {}) => ({
    host: "127.0.0.1", port: server.port, database: server.database, user: "dengta_writer", password: { secret: "pg-password" }, ...overrides,
  });

  async function startSink(config: Record<string, unknown>, options: { dataDir?: string; password?: string } = {}) {
    const secrets: Record<string, string> = { "pg-password": options.password ?? PASSWORD };
    return runInHarness({
      nodes: { pg: { block: postgresSink, config: { connection: connection(), reconnectMs: 50, ...config }, outputs: [] } },
      inject: ["pg.in"],
      startMs: START,
      site: { endpoints: {}, cameras: {}, secret: (name) => secrets[name] },
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    });
  }

  /** Rows in write order; `batch` is the inserting transaction: one multi-row INSERT, one xmin. */
  const rows = (table: string) =>
    server.query<StoredRow>(`SELECT seq, ts, series, value, quality, source, writer, xmin::text AS batch FROM ${table} ORDER BY writer, seq`);
  const rowCount = async (table: string) => Number((await server.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
  const batches = async (table: string) => (await server.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} GROUP BY xmin ORDER BY min(seq)`)).map((r) => r.n);

  it("writes each message as a row (ts, series, value as jsonb, quality, source), creating the table and its index", async () => {
    const run = await startSink({ table: "t_rows" });
    await waitFor(() => counter(run, "connected") === 1, "connected");
    run.send("pg.in", 21.5, START + 1);
    run.engine.emitFrom("__inject", "p0", { a: [1, "x"], nested: { ok: true } }, { ts: START + 2, quality: "uncertain" });
    run.engine.emitFrom("__inject", "p0", null, { ts: START + 3, quality: "bad" });
    run.send("pg.in", "text 文本", START + 4);
    run.send("pg.in", [true, 0, -1.25e-7], START + 5);
    await run.stop(); // flushes what waits for the timer

    const stored = await rows("t_rows");
    expect(stored.map(({ seq, ts, series, value, quality, source }) => ({ seq, ts: ts.getTime(), series, value, quality, source }))).toEqual([
      { seq: "1", ts: START + 1, series: "__inject", value: 21.5, quality: "good", source: "__inject" },
      { seq: "2", ts: START + 2, series: "__inject", value: { a: [1, "x"], nested: { ok: true } }, quality: "uncertain", source: "__inject" },
      { seq: "3", ts: START + 3, series: "__inject", value: null, quality: "bad", source: "__inject" },
      { seq: "4", ts: START + 4, series: "__inject", value: "text 文本", quality: "good", source: "__inject" },
      { seq: "5", ts: START + 5, series: "__inject", value: [true, 0, -1.25e-7], quality: "good", source: "__inject" },
    ]);
    expect(new Set(stored.map((r) => r.writer)).size).toBe(1);
    expect(stored[0]!.writer).toMatch(/\/pg\/[0-9a-f]{8}$/);
    const columns = await server.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 't_rows' ORDER BY ordinal_position",
    );
    expect(columns).toEqual([
      { column_name: "ts", data_type: "timestamp with time zone" },
      { column_name: "series", data_type: "text" },
      { column_name: "value", data_type: "jsonb" },
      { column_name: "quality", data_type: "text" },
      { column_name: "source", data_type: "text" },
      { column_name: "writer", data_type: "text" },
      { column_name: "seq", data_type: "bigint" },
    ]);
    const indexes = await server.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE tablename = 't_rows' ORDER BY indexname");
    expect(indexes.map((i) => i.indexdef)).toEqual([
      "CREATE INDEX t_rows_series_ts ON public.t_rows USING btree (series, ts)",
      "CREATE UNIQUE INDEX t_rows_writer_seq ON public.t_rows USING btree (writer, seq)",
    ]);
    expect(counter(run, "written")).toBe(5);
    expect(counter(run, "outboxDepth")).toBe(0);
    const connectedLine = run.logs.find((l) => l.message.startsWith("connected to PostgreSQL"));
    expect(connectedLine).toEqual({
      level: "info",
      node: "pg",
      message: `connected to PostgreSQL 127.0.0.1:${server.port}/${server.database}, table t_rows; 0 messages waiting`,
      zh: `已连接 PostgreSQL 127.0.0.1:${server.port}/${server.database}，表 t_rows；待写入 0 条消息`,
    });
  });

  it("writes a batch as soon as batchSize messages wait, in one multi-row INSERT each", async () => {
    const run = await startSink({ table: "t_size", series: "temp", batchSize: 3, flushMs: 60_000 });
    await waitFor(() => counter(run, "connected") === 1, "connected");
    for (let n = 1; n <= 7; n++) run.send("pg.in", n, START + n);
    await waitFor(() => counter(run, "written") === 6, "two full batches");
    // The seventh waits for flushMs of clock time, which has not passed.
    expect(counter(run, "outboxDepth")).toBe(1);
    expect(await batches("t_size")).toEqual([3, 3]);
    await run.runUntil(START + 60_000);
    await waitFor(() => counter(run, "written") === 7, "the rest after flushMs");
    expect(await batches("t_size")).toEqual([3, 3, 1]);
    expect((await rows("t_size")).map((r) => r.value)).toEqual(upTo(7));
    await run.stop();
  });

  it("writes what waits after flushMs of the APP's clock, not before", async () => {
    const run = await startSink({ table: "t_time", flushMs: 1000 });
    await waitFor(() => counter(run, "connected") === 1, "connected");
    for (let n = 1; n <= 4; n++) run.send("pg.in", n, START + n);
    await run.runUntil(START + 999);
    expect(await rowCount("t_time")).toBe(0);
    expect(counter(run, "outboxDepth")).toBe(4);
    await run.runUntil(START + 1000);
    await waitFor(() => counter(run, "written") === 4, "written after flushMs");
    expect(await batches("t_time")).toEqual([4]);
    expect(run.engine.isIdle()).toBe(true); // no timer while nothing waits
    await run.stop();
  });

  it("keeps messages while PostgreSQL is down and writes all of them, in order and exactly once, when it is back", async () => {
    const run = await startSink({ table: "t_outage", series: "line2", batchSize: 10, flushMs: 1000 });
    await waitFor(() => counter(run, "connected") === 1, "connected");
    for (let n = 1; n <= 25; n++) run.send("pg.in", n, START + n);
    await run.runUntil(START + 1000);
    await waitFor(() => counter(run, "written") === 25, "first 25");

    await server.stop();
    await waitFor(() => counter(run, "connected") === 0, "sink sees the outage");
    for (let n = 26; n <= 60; n++) run.send("pg.in", n, START + 1000 + n);
    expect(counter(run, "outboxDepth")).toBe(35);
    // Retries while the server is away fail and back off; nothing is lost meanwhile.
    run.clock.fireNext();
    await waitFor(() => counter(run, "connectionErrors") >= 2, "a failed retry");

    await server.restart();
    // The retry and flush timers run on the harness's virtual clock: fire them until all is written.
    await waitFor(() => {
      if (counter(run, "written") < 60) run.clock.fireNext();
      return counter(run, "written") === 60;
    }, "all 60 after the outage");

    const stored = await rows("t_outage");
    expect(stored.map((r) => Number(r.seq))).toEqual(upTo(60));
    expect(stored.map((r) => r.value)).toEqual(upTo(60));
    expect(stored.map((r) => r.ts.getTime())).toEqual([...upTo(25).map((n) => START + n), ...upTo(60, 26).map((n) => START + 1000 + n)]);
    expect(counter(run, "reconnects")).toBe(1);
    expect(counter(run, "outboxDepth")).toBe(0);
    const lost = run.logs.find((l) => l.message.startsWith("lost the connection"));
    expect(lost).toEqual({
      level: "warn",
      node: "pg",
      message: `lost the connection to PostgreSQL 127.0.0.1:${server.port}/${server.database}; messages are kept in the outbox`,
      zh: `与 PostgreSQL 127.0.0.1:${server.port}/${server.database} 的连接已断开；消息保存在发件箱中`,
    });
    await run.stop();
  });

  it("stores a batch sent again (committed, then the box lost its acknowledgement) only once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dengta-pg-twice-"));
    const offline = await startSink({ table: "t_twice", connection: connection({ port: await freePort() }) }, { dataDir });
    for (let n = 1; n <= 5; n++) offline.send("pg.in", n, START + n);
    await offline.stop();
    // A copy of the box's database from before the write: the same writer id, the same messages.
    const before = mkdtempSync(join(tmpdir(), "dengta-pg-twice-copy-"));
    cpSync(dataDir, before, { recursive: true });

    for (const dir of [dataDir, before]) {
      const run = await startSink({ table: "t_twice" }, { dataDir: dir });
      await waitFor(() => counter(run, "written") === 5, "the outbox written");
      await run.stop();
    }
    const stored = await rows("t_twice");
    expect(stored.map((r) => Number(r.seq))).toEqual(upTo(5));
    expect(stored.map((r) => r.value)).toEqual(upTo(5));
  });

  it("logs a wrong password once, in both languages, keeps the messages and does not crash", async () => {
    const run = await startSink({ table: "t_password" }, { password: "wrong-password" });
    await waitFor(() => counter(run, "connectionErrors") >= 1, "the login refused");
    run.send("pg.in", 1);
    run.send("pg.in", 2);
    for (let attempt = 2; attempt <= 3; attempt++) {
      run.clock.fireNext();
      await waitFor(() => counter(run, "connectionErrors") >= attempt, `attempt ${attempt}`);
    }
    const refused = run.logs.filter((l) => l.message.includes("refused the login"));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.level).toBe("error");
    expect(refused[0]!.message).toMatch(
      new RegExp(`^PostgreSQL 127\\.0\\.0\\.1:${server.port}/dengta_test refused the login of user dengta_writer: wrong password or no access \\(password authentication failed for user "dengta_writer"\\); messages are kept in the outbox$`),
    );
    expect(refused[0]!.zh).toContain("拒绝了用户 dengta_writer 的登录：密码错误或无访问权限");
    expect(counter(run, "outboxDepth")).toBe(2);
    expect(counter(run, "connected")).toBe(0);
    await run.stop();
    expect(run.logs.at(-1)).toEqual({ level: "info", node: "pg", message: "2 messages stay in the outbox for the next start", zh: "2 条消息留在发件箱中，下次启动时继续写入" });
  });

  it("logs an unreachable server in both languages, keeps the messages and stops promptly", async () => {
    const port = await freePort();
    const run = await startSink({ table: "t_nowhere", connection: connection({ port }) });
    await waitFor(() => counter(run, "connectionErrors") >= 1, "the connection refused");
    run.send("pg.in", 1);
    const line = run.logs.find((l) => l.message.startsWith("cannot reach"));
    expect(line?.level).toBe("warn");
    expect(line?.message).toMatch(new RegExp(`^cannot reach PostgreSQL 127\\.0\\.0\\.1:${port}/dengta_test: .*ECONNREFUSED.*; messages are kept in the outbox and retried$`));
    expect(line?.zh).toMatch(new RegExp(`^无法连接 PostgreSQL 127\\.0\\.0\\.1:${port}/dengta_test：.*ECONNREFUSED.*；消息保存在发件箱中，稍后重试$`));
    await run.stop();
    expect(counter(run, "outboxDepth")).toBe(1);
  });

  it("with createTable false and no table, says so once, keeps the connection and the messages, and writes once it can", async () => {
    const run = await startSink({ table: "t_missing", createTable: false });
    await waitFor(() => counter(run, "connected") === 1, "connected");
    run.send("pg.in", 1);
    run.send("pg.in", 2);
    await run.runUntil(START + 1000);
    await waitFor(() => counter(run, "writeErrors") === 1, "the insert refused");
    run.clock.fireNext(); // the retry, refused again for the same reason: not logged again
    await waitFor(() => counter(run, "writeErrors") === 2, "the retry refused");
    const refusals = () => run.logs.filter((l) => l.level === "error");
    expect(refusals()).toEqual([{
      level: "error",
      node: "pg",
      message: `PostgreSQL 127.0.0.1:${server.port}/dengta_test refused to write to table t_missing: relation "t_missing" does not exist (SQLSTATE 42P01); messages are kept in the outbox and retried`,
      zh: `PostgreSQL 127.0.0.1:${server.port}/dengta_test 拒绝写入表 t_missing：relation "t_missing" does not exist（SQLSTATE 42P01）；消息保存在发件箱中，稍后重试`,
    }]);
    expect(counter(run, "outboxDepth")).toBe(2);

    // Created by someone else, without the rights yet: a new reason, logged once. ON CONFLICT (writer, seq)
    // needs SELECT on those columns besides INSERT.
    await server.query("CREATE TABLE t_missing (ts timestamptz, series text, value jsonb, quality text, source text, writer text, seq bigint, UNIQUE (writer, seq))");
    run.clock.fireNext();
    await waitFor(() => counter(run, "writeErrors") === 3, "refused for permission");
    expect(refusals().at(-1)!.message).toContain("permission denied for table t_missing (SQLSTATE 42501)");

    await server.query("GRANT SELECT, INSERT ON t_missing TO dengta_writer");
    run.clock.fireNext();
    await waitFor(() => counter(run, "written") === 2, "written once it can");
    expect((await rows("t_missing")).map((r) => r.value)).toEqual([1, 2]);
    expect(refusals()).toHaveLength(2);
    expect(counter(run, "connectionErrors")).toBe(0);
    expect(run.logs.filter((l) => l.message.startsWith("connected to"))).toHaveLength(1);
    await run.stop();
  });

  it("refuses to start when the password's secret is not set on the box", async () => {
    const secretless = runInHarness({
      nodes: { pg: { block: postgresSink, config: { connection: connection() }, outputs: [] } },
      startMs: START,
    });
    await expect(secretless).rejects.toThrow(/secret 'pg-password' is not set.*DENGTA_SECRET_PG_PASSWORD/);
  });

  it("stores SQL in series and values literally: values are parameters, never SQL text", async () => {
    const series = `x'); DROP TABLE t_injection; --`;
    const run = await startSink({ table: "t_injection", series });
    await waitFor(() => counter(run, "connected") === 1, "connected");
    const values = [
      "'; DROP TABLE t_injection; --",
      { "a'b": "\"); DELETE FROM t_injection; --", $1: "$2" },
      "Robert'); DROP TABLE students;--",
      "nul\u0000byte",
    ];
    for (const value of values) run.send("pg.in", value);
    await run.stop();
    const stored = await rows("t_injection");
    expect(stored.map((r) => r.series)).toEqual(values.map(() => series));
    expect(stored.map((r) => r.value)).toEqual([...values.slice(0, 3), "nul\uFFFDbyte"]);
  });

  it("sets aside a row PostgreSQL cannot take (timestamp out of range) in the event log, and writes the others", async () => {
    const run = await startSink({ table: "t_reject" });
    await waitFor(() => counter(run, "connected") === 1, "connected");
    const ancient = -300_000_000_000_000; // year -7537: JavaScript has it, PostgreSQL does not
    run.send("pg.in", 1, START + 1);
    run.send("pg.in", 2, ancient);
    run.send("pg.in", 3, START + 3);
    await run.stop();
    expect((await rows("t_reject")).map((r) => [Number(r.seq), r.value])).toEqual([[1, 1], [3, 3]]);
    expect(counter(run, "written")).toBe(2);
    expect(counter(run, "rejected")).toBe(1);
    const db = openDatabase(join(run.dataDir, "dengta.db"));
    const kept = new Events(db).query(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, { kind: "postgres.rejected" });
    db.close();
    expect(kept).toEqual([{ ts: ancient, kind: "postgres.rejected", source: "pg", data: expect.objectContaining({ seq: 2, series: "__inject", value: "2" }) }]);
    const line = run.logs.find((l) => l.level === "error");
    expect(line?.message).toMatch(/^PostgreSQL refused message #2 of series '__inject' \(.+\); it is kept in the box's event log as postgres.rejected$/);
    expect(line?.zh).toMatch(/^PostgreSQL 拒绝了序列 '__inject' 的第 #2 条消息/);
  });

  it("has a valid manifest and a config schema that fills defaults and refuses bad table names clearly", () => {
    const validateConfig = libraryBlock(new URL(".", import.meta.url)).configValidator();
    const base = { connection: { host: "db.plant.local", database: "mes", user: "dengta", password: { secret: "pg-password" } } };
    const config: Record<string, unknown> = structuredClone(base);
    expect(validateConfig(config)).toBe(true);
    expect(config).toEqual({
      connection: { host: "db.plant.local", port: 5432, database: "mes", user: "dengta", password: { secret: "pg-password" }, ssl: false },
      table: "dengta_history", createTable: true, batchSize: 500, flushMs: 1000, outboxMaxBytes: 268435456,
      overflow: "drop-oldest", reconnectMs: 1000, stopFlushMs: 5000,
    });
    const valid = (extra: Record<string, unknown>) => validateConfig({ ...structuredClone(base), ...extra });
    for (const table of ["history", "plant.line2_history", "_t", "user", "x".repeat(48)]) expect(valid({ table }), table).toBe(true);
    for (const ssl of [true, false, { rejectUnauthorized: false }]) {
      expect(valid({ connection: { ...base.connection, ssl } })).toBe(true);
    }
    expect(valid({ connection: { ...base.connection, user: { secret: "pg-user" } } })).toBe(true);

    for (const table of ["history; DROP TABLE x", `a"b`, "Robert'); --", "History", "1st", "a.b.c", "x".repeat(49), "", "a b"]) {
      const errors = schemaErrors(validateConfig, { ...structuredClone(base), table });
      expect(errors, table).toHaveLength(1);
      const problem = describeSchemaError(errors[0]!);
      expect(problem.path).toEqual(["table"]);
      expect(problem.en).toBe(`${JSON.stringify(table)}: a table name is lower-case letters, digits and '_', starting with a letter or '_', at most 48 characters, optionally after a schema name and a dot, e.g. 'dengta_history' or 'plant.line2_history'`);
      expect(problem.zh).toContain("表名只能由小写字母、数字和 '_' 组成");
    }

    const plain = schemaErrors(validateConfig, { connection: { ...base.connection, password: "plain-text" } });
    expect(plain.map((e) => describeSchemaError(e).en)).toEqual([
      "a secret is never written in the APP: use a reference such as { secret: pg-password } and set DENGTA_SECRET_PG_PASSWORD on the box",
    ]);
    expect(valid({ batchSize: 0 })).toBe(false);
    expect(valid({ batchSize: 10_001 })).toBe(false);
    expect(valid({ connection: { ...base.connection, port: 70_000 } })).toBe(false);
    expect(valid({ connection: { ...base.connection, ssl: { ca: "x" } } })).toBe(false);
    expect(validateConfig({ table: "t" })).toBe(false);
  });
});
