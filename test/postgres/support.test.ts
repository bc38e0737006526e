// The throwaway PostgreSQL server the storage tests run against: it must start, stop and come back.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresBinDir, startPostgres, type Postgres } from "../support/postgres.ts";

describe("test support: postgresBinDir", () => {
  it("finds Debian's versioned folder, and says how to install PostgreSQL when it is missing", () => {
    expect(postgresBinDir({ PATH: "" })).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin$/);
    expect(() => postgresBinDir({ PATH: "/nonexistent" }, "/nonexistent/postgresql")).toThrow(
      /initdb, pg_ctl\) were not found .*apt-get install -y postgresql.*未找到 PostgreSQL 服务端程序/,
    );
  });
});

describe("test support: startPostgres", () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await startPostgres({ passwordRoles: { writer: "right-password" } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("serves a database on 127.0.0.1 that keeps its data across stop and restart", async () => {
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/dengta_test`);
    await server.query("CREATE TABLE kept (n int)");
    await server.query("INSERT INTO kept VALUES ($1), ($2)", [1, 2]);
    await server.stop();
    await expect(server.query("SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
    await server.restart();
    expect(await server.query("SELECT n FROM kept ORDER BY n")).toEqual([{ n: 1 }, { n: 2 }]);
    expect(server.output()).toContain("database system is ready to accept connections");
  });

  it("makes a password role log in with its password, and only with it", async () => {
    const login = async (password: string) => {
      const client = new pg.Client({ ...server.connection, user: "writer", password });
      try {
        await client.connect();
        return (await client.query("SELECT current_user AS who")).rows[0].who as string;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    expect(await login("right-password")).toBe("writer");
    await expect(login("wrong-password")).rejects.toMatchObject({ code: "28P01" });
  });
});
