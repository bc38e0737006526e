import semver from "semver";
import { parseBlockRef, parseEdge, type AppDocument, type Edge, type NodeSpec, type ParameterSpec } from "./app-file.ts";
import { parseAppRef, type BindingDocument } from "./binding-file.ts";
import { makeDiagnostic, type Diagnostic, type Severity } from "./diagnostics.ts";
import type { DiagnosticCode, MessageParams } from "./messages.ts";
import type { BlockRegistry, PortSpec, RegisteredBlock } from "./registry.ts";
import { describeSchemaError } from "./schema-messages.ts";
import { schemaErrors } from "./schemas.ts";
import { rangeAtPath, rangeWithinScalar, type YamlSource } from "./yaml-source.ts";

export interface CheckedNode {
  id: string;
  spec: NodeSpec;
  block: RegisteredBlock;
  /** Parameters substituted and the block's defaults filled in. */
  config: Record<string, unknown>;
}

/** An APP that passed every check, ready to compile. */
export interface CheckedApp {
  document: AppDocument;
  binding: BindingDocument | undefined;
  parameters: Record<string, unknown>;
  /** In topological order. */
  nodes: CheckedNode[];
  edges: Edge[];
}

interface Sources {
  app: YamlSource;
  binding?: YamlSource;
}

/** The checks that need more than the schema: blocks, config, ports, types, graph, parameters, signals. */
export class AppChecker {
  readonly diagnostics: Diagnostic[] = [];
  private readonly doc: AppDocument;
  private readonly binding: BindingDocument | undefined;
  private readonly blocks = new Map<string, RegisteredBlock>();
  private readonly parameterValues: Record<string, unknown> = {};

  /** `bindingRequired`: every signal used must be bound (building a bundle), even with no binding file. */
  constructor(private readonly sources: Sources, private readonly registry: BlockRegistry, private readonly bindingRequired = false) {
    this.doc = sources.app.value as AppDocument;
    this.binding = sources.binding?.value as BindingDocument | undefined;
  }

  check(): CheckedApp | undefined {
    this.checkBindingTarget();
    this.resolveParameters();
    this.resolveBlocks();
    const configs = this.checkConfigs();
    const edges = this.checkEdges();
    this.checkRequiredInputs(edges);
    const order = this.topologicalOrder(edges);
    this.checkLayout();
    this.checkBindingSignals();
    if (this.diagnostics.some((d) => d.severity === "error") || order === undefined) return undefined;
    return {
      document: this.doc,
      binding: this.binding,
      parameters: this.parameterValues,
      nodes: order.map((id) => ({ id, spec: this.doc.nodes[id]!, block: this.blocks.get(id)!, config: configs.get(id)! })),
      edges,
    };
  }

  // --- parameters -------------------------------------------------------------------------

  private resolveParameters(): void {
    const specs = this.doc.parameters ?? {};
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.default !== undefined) {
        if (this.checkParameterValue(name, spec, spec.default, "app", ["parameters", name, "default"])) this.parameterValues[name] = spec.default;
      }
    }
    for (const [name, value] of Object.entries(this.binding?.parameters ?? {})) {
      const spec = specs[name];
      const path = ["parameters", name];
      if (spec === undefined) {
        this.report("binding", "unknown-parameter", { name, known: Object.keys(specs) }, path, "key");
      } else if (this.checkParameterValue(name, spec, value, "binding", path)) {
        this.parameterValues[name] = value;
      }
    }
  }

  private checkParameterValue(name: string, spec: ParameterSpec, value: unknown, file: keyof Sources, path: string[]): boolean {
    const actual = typeof value === "number" && Number.isInteger(value) ? "integer" : typeof value;
    const fits = spec.type === actual || (spec.type === "number" && actual === "integer");
    const inRange = typeof value !== "number" || ((spec.minimum ?? -Infinity) <= value && value <= (spec.maximum ?? Infinity));
    const listed = spec.enum === undefined || spec.enum.includes(value);
    if (fits && inRange && listed) return true;
    const expected = spec.type + (spec.minimum !== undefined || spec.maximum !== undefined ? ` in [${spec.minimum ?? "-∞"}, ${spec.maximum ?? "∞"}]` : "")
      + (spec.enum ? ` (${spec.enum.map((v) => JSON.stringify(v)).join(" | ")})` : "");
    this.report(file, "parameter-type", { name, expected, actual: JSON.stringify(value) }, path);
    return false;
  }

  // --- blocks and config ------------------------------------------------------------------

  private resolveBlocks(): void {
    for (const [id, node] of Object.entries(this.doc.nodes)) {
      const { id: blockId, major } = parseBlockRef(node.block);
      const block = this.registry.find(blockId, major);
      if (block !== undefined) {
        this.blocks.set(id, block);
        continue;
      }
      const majors = this.registry.majors(blockId);
      const path = ["nodes", id, "block"];
      if (majors.length > 0) this.report("app", "unknown-block-version", { block: blockId, major, available: majors }, path);
      else this.report("app", "unknown-block", { block: blockId, suggestion: closest(blockId, this.registry.ids()) }, path);
    }
  }

  private checkConfigs(): Map<string, Record<string, unknown>> {
    const configs = new Map<string, Record<string, unknown>>();
    for (const [id, block] of this.blocks) {
      const base = ["nodes", id, "config"];
      const config = this.substituteParameters(this.doc.nodes[id]!.config ?? {}, base) as Record<string, unknown>;
      const errors = schemaErrors(block.configValidator(), config);
      if (errors.length > 0) {
        for (const error of errors) {
          const problem = describeSchemaError(error, base);
          this.report("app", "config-invalid", { block: block.key, en: problem.en, zh: problem.zh }, problem.path, problem.atKey ? "key" : "value");
        }
        continue;
      }
      this.checkSignalFields(id, block, config);
      configs.set(id, config);
    }
    return configs;
  }

  /** Replaces every `{ $param: name }` with the parameter's value, reporting unknown names. */
  private substituteParameters(value: unknown, path: Array<string | number>): unknown {
    if (Array.isArray(value)) return value.map((item, i) => this.substituteParameters(item, [...path, i]));
    if (typeof value !== "object" || value === null) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$param") return this.parameterValue((value as { $param: unknown }).$param, [...path, "$param"]);
    const result: Record<string, unknown> = {};
    for (const key of keys) {
      Object.defineProperty(result, key, {
        value: this.substituteParameters((value as Record<string, unknown>)[key], [...path, key]),
        enumerable: true, writable: true, configurable: true,
      });
    }
    return result;
  }

  private parameterValue(name: unknown, path: Array<string | number>): unknown {
    const specs = this.doc.parameters ?? {};
    if (typeof name !== "string" || !Object.hasOwn(specs, name)) {
      this.report("app", "unknown-parameter", { name: String(name), known: Object.keys(specs) }, path);
      return undefined;
    }
    if (!Object.hasOwn(this.parameterValues, name)) {
      this.report("app", "parameter-missing-value", { name }, path);
      return undefined;
    }
    return this.parameterValues[name];
  }

  // --- signals ----------------------------------------------------------------------------

  private checkSignalFields(id: string, block: RegisteredBlock, config: Record<string, unknown>): void {
    const signals = this.doc.signals ?? {};
    for (const field of block.manifest.signalFields ?? []) {
      const value = config[field];
      const named: Array<[unknown, Array<string | number>]> = Array.isArray(value)
        ? value.map((name, index) => [name, ["nodes", id, "config", field, index]])
        : [[value, ["nodes", id, "config", field]]];
      for (const [name, path] of named) {
        if (typeof name !== "string") continue;
        if (!Object.hasOwn(signals, name)) this.report("app", "unknown-signal", { name, known: Object.keys(signals) }, path);
        else if ((this.bindingRequired || this.binding !== undefined) && !Object.hasOwn(this.binding?.signals ?? {}, name)) this.report("app", "signal-unbound", { name }, path);
      }
    }
  }

  private checkBindingTarget(): void {
    if (this.binding === undefined) return;
    const { id, range } = parseAppRef(this.binding.app);
    const actual = `${this.doc.app.id}@${this.doc.app.version}`;
    const fits = id === this.doc.app.id && semver.validRange(range) !== null && semver.satisfies(this.doc.app.version, range);
    if (!fits) this.report("binding", "binding-app-mismatch", { wanted: this.binding.app, actual }, ["app"]);
  }

  private checkBindingSignals(): void {
    if (this.binding === undefined) return;
    const declared = this.doc.signals ?? {};
    const endpoints = this.binding.endpoints ?? {};
    for (const [name, signal] of Object.entries(this.binding.signals ?? {})) {
      if (!Object.hasOwn(declared, name)) this.report("binding", "binding-unknown-signal", { name, app: this.doc.app.id }, ["signals", name], "key");
      if (!Object.hasOwn(endpoints, signal.endpoint)) this.report("binding", "binding-unknown-endpoint", { name: signal.endpoint }, ["signals", name, "endpoint"]);
    }
    for (const [name, camera] of Object.entries(this.binding.cameras ?? {})) {
      if (camera.endpoint !== undefined && !Object.hasOwn(endpoints, camera.endpoint)) {
        this.report("binding", "binding-unknown-endpoint", { name: camera.endpoint }, ["cameras", name, "endpoint"]);
      }
    }
  }

  // --- edges and graph --------------------------------------------------------------------

  private checkEdges(): Edge[] {
    const edges: Edge[] = [];
    const seen = new Set<string>();
    (this.doc.edges ?? []).forEach((text, index) => {
      const edge = parseEdge(text, index);
      if (edge === undefined) {
        this.report("app", "edge-syntax", { text }, ["edges", index]);
        return;
      }
      const key = `${edge.from.node}.${edge.from.port}>${edge.to.node}.${edge.to.port}`;
      if (seen.has(key)) {
        this.report("app", "duplicate-edge", { text: text.trim() }, ["edges", index], "value", "warning");
        return;
      }
      seen.add(key);
      if (this.checkEdgeEnds(edge)) edges.push(edge);
    });
    return edges;
  }

  private checkEdgeEnds(edge: Edge): boolean {
    const from = this.port(edge, "output");
    const to = this.port(edge, "input");
    if (from === undefined || to === undefined) return false;
    if (!typesCompatible(from.type, to.type)) {
      this.reportInEdge(edge, "port-type-mismatch", {
        from: `${edge.from.node}.${edge.from.port}`, fromType: typeText(from.type),
        to: `${edge.to.node}.${edge.to.port}`, toType: typeText(to.type),
      }, [edge.spans.from[0], edge.spans.to[1]]);
      return false;
    }
    return true;
  }

  /** The port an edge end names, or undefined after reporting why there is none. */
  private port(edge: Edge, side: "output" | "input"): PortSpec | undefined {
    const end = side === "output" ? edge.from : edge.to;
    const span = side === "output" ? edge.spans.from : edge.spans.to;
    if (!Object.hasOwn(this.doc.nodes, end.node)) {
      this.reportInEdge(edge, "dangling-edge", { node: end.node }, [span[0], span[0] + end.node.length]);
      return undefined;
    }
    const block = this.blocks.get(end.node);
    if (block === undefined) return undefined; // already reported as an unknown block
    const ports = side === "output" ? block.manifest.outputs : block.manifest.inputs;
    const spec = Object.hasOwn(ports, end.port) ? ports[end.port] : undefined;
    if (spec === undefined) this.reportInEdge(edge, "unknown-port", { node: end.node, port: end.port, side, known: Object.keys(ports) }, span);
    return spec;
  }

  private checkRequiredInputs(edges: Edge[]): void {
    const connected = new Set(edges.map((e) => `${e.to.node}.${e.to.port}`));
    const mentioned = new Set((this.doc.edges ?? []).map((text, i) => parseEdge(text, i)).filter((e) => e !== undefined).map((e) => `${e.to.node}.${e.to.port}`));
    for (const [id, block] of this.blocks) {
      for (const [port, spec] of Object.entries(block.manifest.inputs)) {
        // An edge that names the port but failed another check was already reported.
        if (spec.required && !connected.has(`${id}.${port}`) && !mentioned.has(`${id}.${port}`)) {
          this.report("app", "required-input-unconnected", { node: id, port }, ["nodes", id], "key");
        }
      }
    }
  }

  /** Kahn's order of the nodes, or undefined after reporting a cycle. */
  private topologicalOrder(edges: Edge[]): string[] | undefined {
    const ids = Object.keys(this.doc.nodes);
    const indegree = new Map(ids.map((id) => [id, 0]));
    const next = new Map<string, Edge[]>(ids.map((id) => [id, []]));
    for (const edge of edges) {
      indegree.set(edge.to.node, (indegree.get(edge.to.node) ?? 0) + 1);
      next.get(edge.from.node)?.push(edge);
    }
    const ready = ids.filter((id) => indegree.get(id) === 0);
    const order: string[] = [];
    for (let i = 0; i < ready.length; i++) {
      const id = ready[i]!;
      order.push(id);
      for (const edge of next.get(id) ?? []) {
        const left = indegree.get(edge.to.node)! - 1;
        indegree.set(edge.to.node, left);
        if (left === 0) ready.push(edge.to.node);
      }
    }
    if (order.length === ids.length) return order;
    const placed = new Set(order);
    this.reportCycle(new Set(ids.filter((id) => !placed.has(id))), edges);
    return undefined;
  }

  /**
   * Every node Kahn's order could not place has a predecessor that it could not place either,
   * so walking predecessors must come back to a node already seen: that closes a cycle.
   */
  private reportCycle(remaining: Set<string>, edges: Edge[]): void {
    const incoming = new Map<string, Edge>();
    for (const edge of edges) if (remaining.has(edge.from.node) && remaining.has(edge.to.node)) incoming.set(edge.to.node, edge);
    let current = [...remaining][0]!;
    const seen = new Map<string, number>();
    const via: Edge[] = [];
    while (!seen.has(current)) {
      seen.set(current, via.length);
      const edge = incoming.get(current)!;
      via.push(edge);
      current = edge.from.node;
    }
    const loop = via.slice(seen.get(current)).reverse();
    const path = [loop[0]!.from.node, ...loop.map((e) => e.to.node)];
    this.report("app", "cycle", { path }, ["edges", loop[loop.length - 1]!.index]);
  }

  private checkLayout(): void {
    for (const id of Object.keys(this.doc.layout ?? {})) {
      if (!Object.hasOwn(this.doc.nodes, id)) this.report("app", "layout-unknown-node", { id }, ["layout", id], "key", "warning");
    }
  }

  // --- reporting --------------------------------------------------------------------------

  private report<C extends DiagnosticCode>(
    file: keyof Sources, code: C, params: MessageParams<C>, path: Array<string | number>,
    prefer: "value" | "key" = "value", severity: Severity = "error",
  ): void {
    const source = this.sources[file]!;
    this.diagnostics.push(makeDiagnostic(code, params, { file: source.file, range: rangeAtPath(source, path, prefer), path }, severity));
  }

  /** `span`: [start, end) offsets within the edge's text. */
  private reportInEdge<C extends DiagnosticCode>(edge: Edge, code: C, params: MessageParams<C>, span: readonly [number, number]): void {
    const path = ["edges", edge.index];
    const source = this.sources.app;
    this.diagnostics.push(makeDiagnostic(code, params, { file: source.file, range: rangeWithinScalar(source, path, edge.text, span), path }));
  }
}

function toList(type: string | string[]): string[] {
  return Array.isArray(type) ? type : [type];
}

function typeText(type: string | string[]): string {
  return toList(type).join(" | ");
}

/** Every type an output may carry must be accepted by the input; integers are numbers. */
export function typesCompatible(output: string | string[], input: string | string[]): boolean {
  const produced = toList(output);
  const accepted = toList(input);
  if (produced.includes("any") || accepted.includes("any")) return true;
  return produced.every((t) => accepted.includes(t) || (t === "integer" && accepted.includes("number")));
}

/** The known id nearest in spelling, if it is near enough to be a likely typo. */
function closest(wanted: string, known: string[]): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const id of known) {
    const distance = editDistance(wanted, id);
    if (best === undefined || distance < best.distance) best = { id, distance };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(wanted.length / 4)) ? best.id : undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}
