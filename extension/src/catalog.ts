// The palette the canvas offers: every block of the library as its manifest describes it, and
// which port types may connect, by core's own rule.
import { typesCompatible } from "../../core/check-app.ts";
import type { BlockRegistry, PortSpec, RegisteredBlock } from "../../core/registry.ts";
import { typeKey, type BlockView, type PortView } from "../../webview/protocol.ts";

export interface Catalog {
  blocks: BlockView[];
  compatible: Record<string, string[]>;
}

export function catalogOf(registry: BlockRegistry): Catalog {
  const blocks = registry.all().map(blockView).sort((a, b) => a.category.localeCompare(b.category) || a.id.localeCompare(b.id));
  return { blocks, compatible: compatibility(blocks) };
}

function blockView(block: RegisteredBlock): BlockView {
  const m = block.manifest;
  return {
    ref: block.key, id: m.id, version: m.version, category: m.category, title: m.title, description: m.description,
    keywords: m.keywords ?? [], inputs: ports(m.inputs), outputs: ports(m.outputs), configSchema: block.configSchema,
    expressionFields: expressionFields(block.configSchema),
  };
}

function ports(specs: Record<string, PortSpec>): Record<string, PortView> {
  return Object.fromEntries(Object.entries(specs).map(([name, p]) => [name, {
    type: p.type, required: p.required === true, title: p.title,
    ...(p.description ? { description: p.description } : {}), ...(p.fields ? { fields: p.fields } : {}),
  }]));
}

/** Top-level string fields that hold JSONata: named `expression`, or described as JSONata. */
function expressionFields(schema: object): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown; description?: unknown }> }).properties ?? {};
  return Object.entries(properties)
    .filter(([name, p]) => p.type === "string" && (name === "expression" || (typeof p.description === "string" && p.description.includes("JSONata"))))
    .map(([name]) => name);
}

/** For every output type in the library, the input types it may connect to. */
function compatibility(blocks: BlockView[]): Record<string, string[]> {
  const outputs = new Map<string, PortView["type"]>();
  const inputs = new Map<string, PortView["type"]>();
  for (const block of blocks) {
    for (const port of Object.values(block.outputs)) outputs.set(typeKey(port.type), port.type);
    for (const port of Object.values(block.inputs)) inputs.set(typeKey(port.type), port.type);
  }
  return Object.fromEntries([...outputs].map(([key, out]) => [key, [...inputs].filter(([, input]) => typesCompatible(out, input)).map(([k]) => k)]));
}
