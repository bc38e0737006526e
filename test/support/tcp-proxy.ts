// A TCP relay between a client and a server whose "cable" a test can pull and plug back in.
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface CableProxy {
  url: string;
  /** Drops every byte both ways without closing anything, as a pulled cable does. */
  pull(): void;
  /** Carries traffic again; connections from before the pull stay dead, as they would. */
  plug(): void;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 port 0 and relays each connection to `target` (opc.tcp://host:port). */
export async function startCableProxy(target: string): Promise<CableProxy> {
  const { hostname, port } = new URL(target.replace(/^opc\.tcp:/, "http:"));
  let pulled = false;
  const live = new Set<Socket>();
  const relay = (client: Socket) => {
    live.add(client);
    client.on("close", () => live.delete(client));
    client.on("error", () => {});
    if (pulled) return; // a connection attempt into a dead line: nothing ever answers
    const server = createConnection({ host: hostname, port: Number(port) });
    live.add(server);
    server.on("close", () => live.delete(server));
    server.on("error", () => client.destroy());
    const forward = (from: Socket, to: Socket) => from.on("data", (chunk: Buffer) => { if (!pulled && !from.destroyed) to.write(chunk); });
    forward(client, server);
    forward(server, client);
    client.on("close", () => { if (!pulled) server.destroy(); });
    server.on("close", () => { if (!pulled) client.destroy(); });
  };
  const listener: Server = createServer(relay);
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address() as AddressInfo;
  return {
    url: `opc.tcp://127.0.0.1:${address.port}`,
    pull: () => { pulled = true; },
    plug: () => {
      for (const socket of live) socket.destroy();
      live.clear();
      pulled = false;
    },
    close: () => new Promise((resolve) => {
      for (const socket of live) socket.destroy();
      listener.close(() => resolve());
    }),
  };
}
