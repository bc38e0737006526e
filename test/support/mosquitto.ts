// A real Mosquitto broker for tests: Debian's /usr/sbin/mosquitto on 127.0.0.1, own config, no persistence.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const MOSQUITTO = process.env.DENGTA_MOSQUITTO ?? "/usr/sbin/mosquitto";

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  /** Everything the broker printed, for a failing test's message. */
  output(): string;
  /** Stops the broker and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop). */
  restart(): Promise<void>;
}

const READY_DEADLINE_MS = 10_000;
const PORT_ATTEMPTS = 5;

/**
 * Mosquitto reads `listener 0` as a unix socket, not "any free port", so the port comes from
 * the OS (listen on 0, close) and a start that loses the race for it is retried on another.
 */
export async function startMosquitto(): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "dengta-mosquitto-"));
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      return await brokerOn(dir, port);
    } catch (error) {
      lastError = error;
      if (!String(error).includes("in use")) throw error;
    }
  }
  throw lastError;
}

async function brokerOn(dir: string, port: number): Promise<Mosquitto> {
  const config = join(dir, "mosquitto.conf");
  // No pid_file and no persistence: as root mosquitto drops to its own user, which cannot write here.
  writeFileSync(config, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "log_dest stdout", "log_type all", ""].join("\n"));
  let log = "";
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(MOSQUITTO, ["-c", config], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    await waitUntilListening(child, port, () => log);
  };
  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    output: () => log,
    stop: async () => {
      if (child !== undefined) await stopProcess(child);
      child = undefined;
    },
    restart: async () => {
      if (child !== undefined) throw new Error("mosquitto is still running");
      await launch();
    },
  };
}

/** A port the OS just handed out; free at the moment, though nothing stops another process taking it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Polls with TCP connections until the broker accepts one, it exits, or the deadline passes. */
async function waitUntilListening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  let exited = false;
  child.once("exit", () => (exited = true));
  while (Date.now() < deadline) {
    if (exited || child.exitCode !== null) {
      const reason = /Address already in use/.test(output()) ? "port in use" : `exited with ${child.exitCode}`;
      throw new Error(`mosquitto on port ${port}: ${reason}\n${output()}`);
    }
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGKILL");
  throw new Error(`mosquitto did not accept connections on port ${port} within ${READY_DEADLINE_MS} ms\n${output()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** SIGTERM, then SIGKILL if it has not exited within two seconds; resolves once it has exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 2000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
