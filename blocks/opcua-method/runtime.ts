import { BrowseDirection, type Argument, type ClientSession, type NodeId } from "node-opcua-client";
import { defineBlock, type BlockContext, type Message } from "../../runtime/block.ts";
import { plainValue } from "../../runtime/opcua/data-value.ts";
import { messageOf, statusOf } from "../../runtime/opcua/node-target.ts";
import type { EndpointSession } from "../../runtime/opcua/session.ts";
import { chooseEndpoint, endpointSession, signalPlace } from "../../runtime/opcua/shared.ts";
import { builtInOf, toVariant } from "../../runtime/opcua/variant.ts";

interface Config {
  signal?: string;
  endpoint?: string;
  objectId?: string;
  methodId?: string;
  timeoutMs?: number;
}

interface Method {
  objectId: NodeId;
  methodId: NodeId;
  inputs: Argument[];
  outputs: Argument[];
}

interface State {
  session?: EndpointSession;
  methodText?: string;
  method?: Method;
}

type Ctx = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({}),

  start(ctx) {
    const place = ctx.config.signal === undefined ? undefined : signalPlace(ctx, ctx.config.signal);
    ctx.state.methodText = ctx.config.methodId ?? place?.nodeId;
    if (ctx.state.methodText === undefined) {
      throw new Error("give a methodId or a signal bound to the method / 请给出 methodId，或绑定到该方法的信号");
    }
    ctx.state.session = endpointSession(ctx, place?.endpoint ?? chooseEndpoint(ctx, ctx.config.endpoint));
  },

  async onMessage(_port, msg, ctx) {
    try {
      const session = await ctx.state.session!.ready(ctx.config.timeoutMs ?? 5000);
      const method = (ctx.state.method ??= await describeMethod(ctx, session));
      const result = await session.call({ objectId: method.objectId, methodId: method.methodId, inputArguments: argumentsOf(msg, method.inputs) });
      const outputs = (result.outputArguments ?? []).map((v) => plainValue(v));
      const named = Object.fromEntries(method.outputs.map((a, i) => [a.name ?? `out${i}`, outputs[i]]));
      ctx.metrics.count(result.statusCode.isGood() ? "calls" : "failed");
      emit(ctx, msg, { ok: result.statusCode.isGood(), status: result.statusCode.name, outputs, named });
    } catch (error) {
      ctx.metrics.count("failed");
      ctx.log.warn({ en: `calling ${ctx.state.methodText} failed: ${messageOf(error)}`, "zh-CN": `调用 ${ctx.state.methodText} 失败：${messageOf(error)}` });
      emit(ctx, msg, { ok: false, status: statusOf(error), outputs: [], named: {} });
    }
  },
});

function emit(ctx: Ctx, msg: Message, result: { ok: boolean; status: string; outputs: unknown[]; named: Record<string, unknown> }): void {
  ctx.emit("result", result, { ts: msg.ts, quality: result.ok ? "good" : "bad" });
}

/** The method's object is the one given, else the node that has the method as a component. */
async function describeMethod(ctx: Ctx, session: ClientSession): Promise<Method> {
  const endpoint = ctx.state.session!;
  const methodId = await endpoint.nodeId(ctx.state.methodText!);
  const objectId = ctx.config.objectId === undefined ? await parentOf(session, methodId) : await endpoint.nodeId(ctx.config.objectId);
  const definition = await session.getArgumentDefinition(methodId);
  return { objectId, methodId, inputs: definition.inputArguments ?? [], outputs: definition.outputArguments ?? [] };
}

async function parentOf(session: ClientSession, methodId: NodeId): Promise<NodeId> {
  const result = await session.browse({ nodeId: methodId, browseDirection: BrowseDirection.Inverse, referenceTypeId: "HasComponent", includeSubtypes: true, resultMask: 63 });
  const parent = result.references?.[0]?.nodeId;
  if (!parent) throw new Error(`${methodId.toString()} belongs to no object: give objectId / ${methodId.toString()} 不属于任何对象：请给出 objectId`);
  return parent;
}

/** An array is taken in order, an object by argument name, anything else as the only argument. */
function argumentsOf(msg: Message, inputs: Argument[]) {
  const value = msg.value;
  const values = Array.isArray(value) ? value
    : value !== null && typeof value === "object" ? inputs.map((a) => (value as Record<string, unknown>)[a.name ?? ""])
    : inputs.length === 0 ? [] : [value];
  return inputs.map((argument, i) => toVariant(values[i], builtInOf(argument.dataType)));
}
