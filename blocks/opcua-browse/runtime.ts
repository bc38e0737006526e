import { AttributeIds, BrowseDirection, NodeClass, type ClientSession, type NodeId, type ReferenceDescription } from "node-opcua-client";
import { defineBlock, type BlockContext } from "../../runtime/block.ts";
import { messageOf } from "../../runtime/opcua/node-target.ts";
import type { EndpointSession } from "../../runtime/opcua/session.ts";
import { chooseEndpoint, endpointSession } from "../../runtime/opcua/shared.ts";
import { dataTypeName } from "../../runtime/opcua/variant.ts";

interface Config {
  endpoint?: string;
  nodeId?: string;
  depth?: number;
  maxNodes?: number;
  onStart?: boolean;
  timeoutMs?: number;
}

interface State {
  session?: EndpointSession;
}

export interface BrowsedNode {
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
  dataType?: string;
}

type Ctx = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({}),

  start(ctx) {
    ctx.state.session = endpointSession(ctx, chooseEndpoint(ctx, ctx.config.endpoint));
    if (ctx.config.onStart ?? true) void browseAndSend(ctx);
  },

  onMessage(_port, _msg, ctx) {
    return browseAndSend(ctx);
  },
});

async function browseAndSend(ctx: Ctx): Promise<void> {
  try {
    const session = await ctx.state.session!.ready(ctx.config.timeoutMs ?? 10_000);
    const start = await ctx.state.session!.nodeId(ctx.config.nodeId ?? "i=85");
    const { nodes, truncated } = await browseTree(session, start, ctx.config.depth ?? 2, ctx.config.maxNodes ?? 500);
    if (truncated) {
      ctx.metrics.count("truncated");
      ctx.log.warn({ en: `browse stopped at maxNodes = ${nodes.length}`, "zh-CN": `浏览在 maxNodes = ${nodes.length} 处停止` });
    }
    ctx.emit("out", nodes);
  } catch (error) {
    ctx.log.warn({ en: `browsing failed: ${messageOf(error)}`, "zh-CN": `浏览失败：${messageOf(error)}` });
  }
}

/** Breadth first, one request per level, never asking the server for more than the nodes still allowed. */
async function browseTree(session: ClientSession, start: NodeId, depth: number, maxNodes: number): Promise<{ nodes: BrowsedNode[]; truncated: boolean }> {
  const found: Array<{ ref: ReferenceDescription; node: BrowsedNode }> = [];
  const seen = new Set<string>([start.toString()]);
  let level: NodeId[] = [start];
  let truncated = false;
  for (let d = 0; d < depth && level.length > 0 && !truncated; d++) {
    const results = await session.browse(level.map((nodeId) => ({
      nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: "HierarchicalReferences", includeSubtypes: true, resultMask: 63,
    })));
    const next: NodeId[] = [];
    for (const ref of results.flatMap((r) => r.references ?? [])) {
      const key = ref.nodeId.toString();
      if (seen.has(key)) continue;
      if (found.length >= maxNodes) {
        truncated = true;
        break;
      }
      seen.add(key);
      found.push({ ref, node: describe(ref) });
      next.push(ref.nodeId);
    }
    truncated ||= results.some((r) => r.continuationPoint && r.continuationPoint.length > 0);
    level = next;
  }
  await addDataTypes(session, found);
  return { nodes: found.map((f) => f.node), truncated };
}

function describe(ref: ReferenceDescription): BrowsedNode {
  return {
    nodeId: ref.nodeId.toString(),
    browseName: ref.browseName.toString(),
    displayName: ref.displayName.text ?? "",
    nodeClass: NodeClass[ref.nodeClass] ?? String(ref.nodeClass),
  };
}

async function addDataTypes(session: ClientSession, found: Array<{ ref: ReferenceDescription; node: BrowsedNode }>): Promise<void> {
  const variables = found.filter((f) => f.ref.nodeClass === NodeClass.Variable);
  if (variables.length === 0) return;
  const values = await session.read(variables.map((v) => ({ nodeId: v.ref.nodeId, attributeId: AttributeIds.DataType })));
  variables.forEach((v, i) => {
    const name = dataTypeName(values[i]?.value.value as NodeId | undefined);
    if (name !== undefined) v.node.dataType = name;
  });
}
