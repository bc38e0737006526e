// Where blocks get their endpoint's session and their signal's place on the server.
import type { BlockContext } from "../block.ts";
import { endpointConfig } from "./endpoint-config.ts";
import { EndpointSession } from "./session.ts";
import { OpcuaError, text } from "./text.ts";

type AnyContext = BlockContext<unknown, unknown>;

/** The one session of `endpoint`, shared by every node that uses it and closed after they stop. */
export function endpointSession(ctx: AnyContext, endpoint: string): EndpointSession {
  return ctx.shared(`opcua:${endpoint}`, () => {
    const session = new EndpointSession(endpointConfig(ctx.site, endpoint), { log: ctx.log, clock: ctx.clock, site: ctx.site });
    session.start();
    return session;
  }, (session) => session.close());
}

export interface SignalPlace {
  signal: string;
  endpoint: string;
  nodeId: string;
  samplingMs?: number;
  queueSize?: number;
  deadband?: { kind: "absolute" | "percent"; value: number };
}

export function signalPlace(ctx: AnyContext, name: string): SignalPlace {
  const signal = ctx.signals[name];
  if (signal === undefined) {
    throw new OpcuaError(text(`the APP has no signal '${name}'`, `APP 中没有信号 '${name}'`));
  }
  const binding = signal.binding as Omit<SignalPlace, "signal"> | undefined;
  if (binding === undefined || typeof binding.endpoint !== "string" || typeof binding.nodeId !== "string") {
    throw new OpcuaError(text(
      `signal '${name}' is not bound to an OPC UA node: give it an endpoint and a nodeId in the binding`,
      `信号 '${name}' 未绑定到 OPC UA 节点：请在绑定文件中为它填写 endpoint 与 nodeId`,
    ));
  }
  return { signal: name, ...binding };
}

/** The endpoint a block names, else the signal's, else the binding's only one. */
export function chooseEndpoint(ctx: AnyContext, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  const names = Object.keys(ctx.site.endpoints);
  if (names.length === 1) return names[0]!;
  throw new OpcuaError(text(
    `say which endpoint to use: the binding has ${names.length === 0 ? "none" : names.join(", ")}`,
    `请指定使用哪个端点：绑定中${names.length === 0 ? "没有端点" : `有 ${names.join("、")}`}`,
  ));
}
