// A signal's node on its endpoint's session, for blocks that read, write or call on demand.
import type { ClientSession, NodeId } from "node-opcua-client";
import type { BlockContext } from "../block.ts";
import type { EndpointSession } from "./session.ts";
import { endpointSession, signalPlace, type SignalPlace } from "./shared.ts";
import { OpcuaError } from "./text.ts";

export class NodeTarget {
  private nodeId: NodeId | undefined;

  constructor(readonly place: SignalPlace, readonly session: EndpointSession) {}

  static forSignal(ctx: BlockContext<unknown, unknown>, signal: string): NodeTarget {
    const place = signalPlace(ctx, signal);
    return new NodeTarget(place, endpointSession(ctx, place.endpoint));
  }

  async ready(timeoutMs: number): Promise<{ session: ClientSession; nodeId: NodeId }> {
    const session = await this.session.ready(timeoutMs);
    this.nodeId ??= await this.session.nodeId(this.place.nodeId);
    return { session, nodeId: this.nodeId };
  }
}

/** A failure as the status name blocks report: OPC UA's own name when there is one. */
export function statusOf(error: unknown): string {
  if (error instanceof OpcuaError && /not connected/.test(error.text.en)) return "BadNotConnected";
  const match = /\b(Bad[A-Za-z]+)\b/.exec(error instanceof Error ? error.message : String(error));
  return match ? match[1]! : "BadUnexpectedError";
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
