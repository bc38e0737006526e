// The pure part of the canvas: what to show, derived from the document (AppView) and the catalog,
// and which message a user action becomes. No DOM, no React: every function here is unit-tested.
import type { Edge, Node } from "@xyflow/react";
import type {
  AppView, LiveNodeStats, BlockView, EdgeView, Locale, NewNode, NodeView, PortRef, PortView, ProblemView, Text, WebviewMessage,
} from "./protocol.ts";
import { typeKey } from "./protocol.ts";

export type Severity = ProblemView["severity"];

export interface PortRow {
  port: string;
  /** The port's title and type; undefined when the block does not declare it (an edge names it anyway). */
  view: PortView | undefined;
}

export interface BlockNodeData extends Record<string, unknown> {
  node: NodeView;
  /** Undefined when the catalog has no such block. */
  block: BlockView | undefined;
  locale: Locale;
  inputs: PortRow[];
  outputs: PortRow[];
  problems: ProblemView[];
  severity: Severity | undefined;
  /** The block's figures while the APP runs on the simulator. */
  live?: LiveNodeStats;
}

export type BlockNode = Node<BlockNodeData, "block">;
export type PortEdge = Edge<{ edge: EdgeView }>;
export type Point = [number, number];

export function localText(text: Text | undefined, locale: Locale): string {
  return text === undefined ? "" : text[locale] || text.en;
}

export function catalogByRef(catalog: BlockView[]): Map<string, BlockView> {
  return new Map(catalog.map((block) => [block.ref, block]));
}

// --- problems ---------------------------------------------------------------------------------

const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export function problemsByNode(problems: ProblemView[]): Map<string, ProblemView[]> {
  const byNode = new Map<string, ProblemView[]>();
  for (const problem of problems) {
    if (problem.node === undefined) continue;
    const list = byNode.get(problem.node) ?? [];
    list.push(problem);
    byNode.set(problem.node, list);
  }
  return byNode;
}

export function worstSeverity(problems: ProblemView[]): Severity | undefined {
  let worst: Severity | undefined;
  for (const { severity } of problems) if (worst === undefined || SEVERITY_RANK[severity] > SEVERITY_RANK[worst]) worst = severity;
  return worst;
}

/**
 * A tree like rjsf's ErrorSchema: `{ expression: { __errors: ["…"] } }`, from each problem's
 * configPath. Problems without one are listed above the form, not in it.
 */
export interface ConfigErrors {
  __errors?: string[];
  [field: string]: ConfigErrors | string[] | undefined;
}

export function configErrors(problems: ProblemView[], node: string, locale: Locale): ConfigErrors {
  const root: ConfigErrors = {};
  for (const problem of problems) {
    if (problem.node !== node || problem.configPath === undefined) continue;
    let at = root;
    for (const key of pointerKeys(problem.configPath)) {
      const next = at[key];
      at = typeof next === "object" && !Array.isArray(next) ? next : (at[key] = {});
    }
    (at.__errors ??= []).push(localText(problem.message, locale));
  }
  return root;
}

function pointerKeys(pointer: string): string[] {
  if (pointer === "" || pointer === "/") return [];
  return pointer.replace(/^\//, "").split("/").map((key) => key.replace(/~1/g, "/").replace(/~0/g, "~"));
}

// --- nodes and edges --------------------------------------------------------------------------

/** The fields of the messages that reach `node`: from the output ports wired into it. */
export function upstreamFields(app: AppView, catalog: Map<string, BlockView>, node: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const edge of app.edges) {
    if (edge.to.node !== node) continue;
    const source = app.nodes.find((n) => n.id === edge.from.node);
    const port = source === undefined ? undefined : catalog.get(source.block)?.outputs[edge.from.port];
    Object.assign(fields, port?.fields);
  }
  return fields;
}

export function nodesWithoutPosition(app: AppView): NodeView[] {
  return app.nodes.filter((node) => node.position === undefined);
}

/** React Flow's nodes for the document: the document's position, else the automatic one in `placed`. */
export function flowNodes(
  app: AppView, catalog: Map<string, BlockView>, locale: Locale, placed: Record<string, Point>, live?: Record<string, LiveNodeStats>,
): BlockNode[] {
  const problems = problemsByNode(app.problems);
  return app.nodes.map((node) => {
    const nodeProblems = problems.get(node.id) ?? [];
    const [x, y] = node.position ?? placed[node.id] ?? [0, 0];
    const block = catalog.get(node.block);
    return {
      id: node.id,
      type: "block",
      position: { x, y },
      data: {
        node,
        block,
        locale,
        inputs: portRows(block?.inputs, app.edges.filter((e) => e.to.node === node.id).map((e) => e.to.port)),
        outputs: portRows(block?.outputs, app.edges.filter((e) => e.from.node === node.id).map((e) => e.from.port)),
        problems: nodeProblems,
        severity: worstSeverity(nodeProblems),
        ...(live?.[node.id] ? { live: live[node.id] } : {}),
      },
    };
  });
}

/** The declared ports, then any port an edge names that the block does not declare, so the edge still shows. */
export function portRows(declared: Record<string, PortView> | undefined, used: string[]): PortRow[] {
  const rows: PortRow[] = Object.entries(declared ?? {}).map(([port, view]) => ({ port, view }));
  for (const port of new Set(used)) if (!rows.some((row) => row.port === port)) rows.push({ port, view: undefined });
  return rows;
}

/**
 * The canvas's own state carried over to freshly derived nodes: selection, measured size, and the
 * position of a node being dragged (the only thing shown ahead of the document).
 */
export function keepCanvasState(next: BlockNode[], previous: BlockNode[]): BlockNode[] {
  const before = new Map(previous.map((node) => [node.id, node]));
  return next.map((node) => {
    const old = before.get(node.id);
    if (old === undefined) return node;
    // Unchanged: the same object, so React Flow and the memoised node component skip it.
    if (old.dragging !== true && old.position.x === node.position.x && old.position.y === node.position.y
      && JSON.stringify(old.data) === JSON.stringify(node.data)) return old;
    const kept: BlockNode = { ...node, selected: old.selected ?? false };
    if (old.measured !== undefined) kept.measured = old.measured;
    if (old.dragging === true) {
      kept.position = old.position;
      kept.dragging = true;
    }
    return kept;
  });
}

export function edgeId(edge: EdgeView): string {
  return `${edge.from.node}.${edge.from.port}->${edge.to.node}.${edge.to.port}`;
}

/** While the APP runs, an edge is labelled with the last value its source sent. */
export function flowEdges(app: AppView, selected: ReadonlySet<string>, live?: Record<string, LiveNodeStats>): PortEdge[] {
  return app.edges.map((edge) => ({
    ...(live?.[edge.from.node]?.last !== undefined ? { label: live[edge.from.node]!.last, className: "edge-live" } : {}),
    id: edgeId(edge),
    source: edge.from.node,
    sourceHandle: edge.from.port,
    target: edge.to.node,
    targetHandle: edge.to.port,
    selected: selected.has(edgeId(edge)),
    data: { edge },
  }));
}

// --- connecting -------------------------------------------------------------------------------

export type ConnectionCheck = { ok: true; edge: EdgeView } | { ok: false; reason: Text };

/** Whether an output may feed an input, by the host's table; refusals say why, in both languages. */
export function checkConnection(
  from: PortRef, to: PortRef, app: AppView, catalog: Map<string, BlockView>, compatible: Record<string, string[]>,
): ConnectionCheck {
  const edge = { from, to };
  if (from.node === to.node) return refuse("A block cannot feed itself.", "功能块不能连接到自身。");
  const fromNode = app.nodes.find((node) => node.id === from.node);
  const toNode = app.nodes.find((node) => node.id === to.node);
  const output = fromNode && catalog.get(fromNode.block)?.outputs[from.port];
  const input = toNode && catalog.get(toNode.block)?.inputs[to.port];
  if (output === undefined) return refuse(`Unknown output ${from.node}.${from.port}.`, `未知的输出端口 ${from.node}.${from.port}。`);
  if (input === undefined) return refuse(`Unknown input ${to.node}.${to.port}.`, `未知的输入端口 ${to.node}.${to.port}。`);
  if (app.edges.some((e) => edgeId(e) === edgeId(edge))) return refuse("These ports are already connected.", "这两个端口已经相连。");
  const produced = typeKey(output.type);
  const accepted = typeKey(input.type);
  if (!(compatible[produced] ?? []).includes(accepted)) {
    const pair = `${from.node}.${from.port} (${produced.replace(/\|/g, " | ")}) → ${to.node}.${to.port} (${accepted.replace(/\|/g, " | ")})`;
    return refuse(`Types do not match: ${pair}.`, `类型不匹配：${pair}。`);
  }
  return { ok: true, edge };
}

function refuse(en: string, zh: string): ConnectionCheck {
  return { ok: false, reason: { en, "zh-CN": zh } };
}

// --- palette ----------------------------------------------------------------------------------

export const CATEGORY_ORDER = [
  "trigger", "capture", "transform", "logic", "quality", "maintenance", "vision", "storage", "report", "notify", "output",
];

export interface PaletteGroup {
  category: string;
  blocks: BlockView[];
}

/** Every word of the query must occur in a title (either language), the id, the category or a keyword. */
export function matchesQuery(block: BlockView, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [block.title.en, block.title["zh-CN"], block.id, block.ref, block.category, ...block.keywords]
    .join("\n").toLowerCase();
  return words.every((word) => haystack.includes(word));
}

export function paletteGroups(catalog: BlockView[], query: string, locale: Locale): PaletteGroup[] {
  const groups = new Map<string, BlockView[]>();
  for (const block of catalog) {
    if (!matchesQuery(block, query)) continue;
    groups.set(block.category, [...(groups.get(block.category) ?? []), block]);
  }
  const rank = (category: string) => {
    const index = CATEGORY_ORDER.indexOf(category);
    return index === -1 ? CATEGORY_ORDER.length : index;
  };
  const collator = new Intl.Collator(locale);
  return [...groups]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([category, blocks]) => ({
      category,
      blocks: blocks.sort((a, b) => collator.compare(localText(a.title, locale), localText(b.title, locale))),
    }));
}

// --- messages for user actions ----------------------------------------------------------------

export function roundPoint(x: number, y: number): Point {
  return [Math.round(x), Math.round(y)];
}

export function moveMessage(version: number, moved: Array<{ id: string; x: number; y: number }>): WebviewMessage {
  return { type: "moveNodes", version, positions: Object.fromEntries(moved.map(({ id, x, y }) => [id, roundPoint(x, y)])) };
}

export function addBlockMessage(version: number, block: BlockView, at: Point): WebviewMessage {
  return { type: "addNodes", version, nodes: [{ block: block.ref, position: roundPoint(...at) }] };
}

/** Lists every edge that goes, those touching a deleted node included, so the host need not infer any. */
export function deleteMessage(version: number, nodes: string[], edges: EdgeView[]): WebviewMessage {
  const unique = new Map(edges.map((edge) => [edgeId(edge), edge]));
  return { type: "deleteElements", version, nodes: [...new Set(nodes)], edges: [...unique.values()] };
}

export interface Clipboard {
  nodes: Array<{ id: string; block: string; config: Record<string, unknown>; position: Point }>;
  /** Only edges between copied nodes, by their ids where they were copied. */
  edges: EdgeView[];
}

export function copySelection(app: AppView, ids: ReadonlySet<string>, placed: Record<string, Point>): Clipboard | undefined {
  const nodes = app.nodes.filter((node) => ids.has(node.id));
  if (nodes.length === 0) return undefined;
  return {
    nodes: nodes.map((node) => ({
      id: node.id,
      block: node.block,
      config: structuredClone(node.config),
      position: node.position ?? placed[node.id] ?? [0, 0],
    })),
    edges: app.edges.filter((edge) => ids.has(edge.from.node) && ids.has(edge.to.node)),
  };
}

/** The `addNodes` of a paste: each node names its `copiedId` so the host can rewire the edges. */
export function pasteMessage(version: number, clipboard: Clipboard, offset: Point): WebviewMessage {
  const nodes: NewNode[] = clipboard.nodes.map((node) => ({
    block: node.block,
    config: structuredClone(node.config),
    position: roundPoint(node.position[0] + offset[0], node.position[1] + offset[1]),
    copiedId: node.id,
  }));
  return clipboard.edges.length > 0
    ? { type: "addNodes", version, nodes, edges: clipboard.edges }
    : { type: "addNodes", version, nodes };
}

// --- the inspector ----------------------------------------------------------------------------

export function isParamRef(value: unknown): value is { $param: string } {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof (value as { $param?: unknown }).$param === "string";
}

/**
 * The schema with each "English / 中文" description or title cut to the user's language: block
 * schemas carry both in one string, separated by " / ".
 */
export function localizeSchema<T>(schema: T, locale: Locale): T {
  if (Array.isArray(schema)) return schema.map((item) => localizeSchema(item, locale)) as T;
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((key === "description" || key === "title") && typeof value === "string") out[key] = pickLanguage(value, locale);
    else if (key === "enum" || key === "const" || key === "default" || key === "examples") out[key] = value;
    else out[key] = localizeSchema(value, locale);
  }
  return out as T;
}

function pickLanguage(text: string, locale: Locale): string {
  const at = text.lastIndexOf(" / ");
  if (at === -1 || !/[\u3400-\u9fff]/.test(text.slice(at))) return text;
  return locale === "zh-CN" ? text.slice(at + 3).trim() : text.slice(0, at).trim();
}

/** A copy without `undefined` members: rjsf leaves them for cleared fields; the document has none. */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => withoutUndefined(item)) as T;
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) if (member !== undefined) out[key] = withoutUndefined(member);
  return out as T;
}

export const CLIPBOARD_TYPE = "application/x-dengta-nodes";
/** What a palette item carries while dragged: the block's ref. */
export const BLOCK_DRAG_TYPE = "application/x-dengta-block";

/** A clipboard read back from text (another canvas, or an older copy): checked, never trusted. */
export function parseClipboard(text: string): Clipboard | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const isPoint = (v: unknown): v is Point => Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === "number" && Number.isFinite(n));
  const isRef = (v: unknown) => isObject(v) && typeof v.node === "string" && typeof v.port === "string";
  if (!isObject(data) || !Array.isArray(data.nodes) || !Array.isArray(data.edges)) return undefined;
  const nodesOk = data.nodes.every((n) => isObject(n) && typeof n.id === "string" && typeof n.block === "string" && isObject(n.config) && isPoint(n.position));
  const edgesOk = data.edges.every((e) => isObject(e) && isRef(e.from) && isRef(e.to));
  return nodesOk && edgesOk && data.nodes.length > 0 ? (data as unknown as Clipboard) : undefined;
}

// --- devices ----------------------------------------------------------------------------------

export function variableDropMessage(version: number, position: Point, node: string | undefined, data: string | undefined): WebviewMessage {
  const at: Point = [Math.round(position[0]), Math.round(position[1])];
  return { type: "dropVariable", version, drop: { position: at, ...(node ? { node } : {}), ...(data ? { data } : {}) } };
}
