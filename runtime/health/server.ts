import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

export interface HealthStatus {
  status: "ok" | "stopping";
  app: string;
  uptimeSeconds: number;
  nodes: number;
}

/** /healthz (JSON, 503 while stopping) and /metrics (Prometheus text) on 127.0.0.1 unless told otherwise. */
export async function startHealthServer(options: { host: string; port: number; registry: Registry; status: () => HealthStatus }): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET") return reply(response, 405, "text/plain", "method not allowed\n");
    if (path === "/healthz") {
      const status = options.status();
      return reply(response, status.status === "ok" ? 200 : 503, "application/json", `${JSON.stringify(status)}\n`);
    }
    if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => reply(response, 200, options.registry.contentType, text),
        (error: Error) => reply(response, 500, "text/plain", `${error.message}\n`),
      );
      return;
    }
    reply(response, 404, "text/plain", "not found: try /healthz or /metrics\n");
  });
  await listen(server, options.host, options.port);
  // A window onto the APP, not a reason to keep running: an APP with nothing left to do ends.
  server.unref();
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function reply(response: import("node:http").ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  response.end(body);
}
