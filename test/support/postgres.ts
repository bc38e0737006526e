// A real, throwaway PostgreSQL server for tests: Debian's binaries on 127.0.0.1, a free port, a
// temp folder, trust auth for the superuser and password (scram) auth for the roles a test asks for.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import pg from "pg";
import { freePort } from "./mosquitto.ts";

export interface PostgresOptions {
  /** Roles created with LOGIN and this password; they must log in with it (scram-sha-256). */
  passwordRoles?: Record<string, string>;
}

export interface Postgres {
  readonly port: number;
  readonly host: "127.0.0.1";
  /** The database created for the test (owned by the superuser, writable by every role). */
  readonly database: string;
  /** The superuser, who logs in without a password. */
  readonly user: string;
  /** postgres://user@127.0.0.1:port/database */
  readonly url: string;
  /** For `new pg.Client(...)` as the superuser. */
  readonly connection: { host: string; port: number; database: string; user: string };
  /** The server's log and the output of its tools, for a failing test's message. */
  output(): string;
  /** Runs SQL as the superuser in the test database and returns the rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server (fast shutdown: clients are disconnected) and waits until it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder (after stop). */
  restart(): Promise<void>;
}

const PORT_ATTEMPTS = 5;
const SUPERUSER = "postgres";
const DATABASE = "dengta_test";
const READY_DEADLINE_S = 30;

/** Where initdb and pg_ctl are: $DENGTA_POSTGRES_BIN, Debian's /usr/lib/postgresql/<newest>/bin, or PATH. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env, debian = "/usr/lib/postgresql"): string {
  const candidates: string[] = [];
  if (env.DENGTA_POSTGRES_BIN) candidates.push(env.DENGTA_POSTGRES_BIN);
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, "bin")));
  }
  candidates.push(...(env.PATH ?? "").split(delimiter).filter(Boolean));
  const found = candidates.find((dir) => executable(join(dir, "initdb")) && executable(join(dir, "pg_ctl")));
  if (found === undefined) {
    throw new Error(
      "PostgreSQL server programs (initdb, pg_ctl) were not found in $DENGTA_POSTGRES_BIN, /usr/lib/postgresql/*/bin or PATH. " +
        "Install the Debian package: apt-get install -y postgresql (npm test does this when run as root). / " +
        "未找到 PostgreSQL 服务端程序（initdb、pg_ctl）：请安装 Debian 软件包 postgresql（以 root 运行 npm test 时会自动安装）。",
    );
  }
  return found;
}

/**
 * A fresh cluster in a temp folder. PostgreSQL refuses to run as root, so as root every tool runs
 * as the `postgres` user, which owns the folder. The port comes from the OS (listen on 0, close);
 * a start that loses the race for it is retried on another.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "dengta-pg-"));
  const log = join(dir, "server.log");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = ["-u", "-g"].map((flag) => Number(execFileSync("id", [flag, SUPERUSER], { encoding: "utf8" }).trim())) as [number, number];
    chownSync(dir, uid, gid);
  }
  let tools = "";
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", SUPERUSER, "--", join(bin, program), ...args]] : [join(bin, program), args];
  const env = { ...process.env, LC_ALL: "C", LANG: "C" };
  const run = (program: string, args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const [file, argv] = command(program, args);
      execFile(file, argv, { cwd: dir, env }, (error, stdout, stderr) => {
        tools += `$ ${program} ${args.join(" ")}\n${stdout}${stderr}`;
        if (error) reject(new Error(`${program} failed (${error.message})\n${tools}\n${serverLog(log)}`));
        else resolve();
      });
    });
  const data = join(dir, "data");
  await run("initdb", ["-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C", "--no-sync", "-D", data]);
  // Password roles log in over TCP with scram; everything else is trusted. First matching line wins.
  const roles = Object.keys(options.passwordRoles ?? {});
  const hba = [
    ...roles.map((role) => `host all ${role} 127.0.0.1/32 scram-sha-256`),
    "local all all trust",
    "host all all 127.0.0.1/32 trust",
    "",
  ].join("\n");
  writeFileSync(join(data, "pg_hba.conf"), hba);

  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    // A throwaway server: durability of the server itself is not what the tests are about.
    const serverOptions = `-k ${dir} -h 127.0.0.1 -p ${port} -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
    const start = () => run("pg_ctl", ["-D", data, "-l", log, "-o", serverOptions, "-w", "-t", String(READY_DEADLINE_S), "start"]);
    const logBefore = serverLog(log).length;
    try {
      await start();
    } catch (error) {
      lastError = error;
      if (/Address already in use|could not create any TCP\/IP sockets/.test(serverLog(log).slice(logBefore))) continue;
      throw error;
    }
    let running = true;
    // At exit (synchronous): a test that died before its afterAll must not leave a server behind,
    // and the folder goes with it.
    process.once("exit", () => {
      if (running) {
        const [file, argv] = command("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
        spawnSync(file, argv, { cwd: dir, env, stdio: "ignore" });
      }
      rmSync(dir, { recursive: true, force: true });
    });

    const connection = { host: "127.0.0.1", port, database: DATABASE, user: SUPERUSER };
    const query = async <T>(sql: string, params: unknown[] = [], database = DATABASE): Promise<T[]> => {
      const client = new pg.Client({ ...connection, database });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    };
    await query(`CREATE DATABASE ${DATABASE}`, [], "postgres");
    await query("GRANT ALL ON SCHEMA public TO PUBLIC");
    for (const [role, password] of Object.entries(options.passwordRoles ?? {})) {
      // Identifiers cannot be parameters; these names come from the test itself.
      await query(`CREATE ROLE "${role.replaceAll('"', '""')}" LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
    }
    return {
      port,
      host: "127.0.0.1",
      database: DATABASE,
      user: SUPERUSER,
      url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`,
      connection,
      output: () => `${tools}\n${serverLog(log)}`,
      query: (sql, params) => query(sql, params),
      stop: async () => {
        if (!running) return;
        await run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
        running = false;
      },
      restart: async () => {
        if (running) throw new Error("postgres is still running");
        await start();
        running = true;
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function serverLog(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}
