// Every message between the extension host and the canvas webview, declared once. Both sides
// import this file (it imports nothing) and check what they receive with `parse…Message` before
// acting on it: a webview is a web page, and a host message can come from an older version.

export type Locale = "en" | "zh-CN";
export interface Text {
  en: string;
  "zh-CN": string;
}

/** A port's message type(s), as in block.json: "number", "object", ["object", "string"], "any". */
export type PortType = string | string[];

export interface PortView {
  type: PortType;
  required: boolean;
  title: Text;
  description?: Text;
  /** An object message's fields and their types: what an expression downstream can read. */
  fields?: Record<string, string>;
}

/** One block of the palette, as its manifest and config schema describe it. */
export interface BlockView {
  /** `id@major`, as an APP names it: "dengta.flow.map@1". */
  ref: string;
  id: string;
  version: string;
  category: string;
  title: Text;
  description: Text;
  keywords: string[];
  inputs: Record<string, PortView>;
  outputs: Record<string, PortView>;
  /** JSON Schema 2020-12 of the block's config: the inspector's form. */
  configSchema: object;
  /** Config fields holding a JSONata expression (edited with Monaco). */
  expressionFields: string[];
}

export interface NodeView {
  id: string;
  /** `id@major`; may name a block the catalog does not have (shown as unknown). */
  block: string;
  title?: Text;
  config: Record<string, unknown>;
  /** From the APP's layout section; absent until placed. */
  position?: [number, number];
}

export interface PortRef {
  node: string;
  port: string;
}

export interface EdgeView {
  from: PortRef;
  to: PortRef;
}

/** A problem core found, placed on the node (and config field) it concerns. */
export interface ProblemView {
  severity: "error" | "warning" | "info";
  message: Text;
  code: string;
  line: number;
  column: number;
  node?: string;
  /** JSON pointer into the node's config, e.g. "/expression", for the inspector. */
  configPath?: string;
}

/** What the canvas shows: the document as core reads it, never a copy the webview edits. */
export interface AppView {
  /** The document's version: an edit names the version it was made on. */
  version: number;
  title?: Text;
  nodes: NodeView[];
  edges: EdgeView[];
  problems: ProblemView[];
  /** Set when the text cannot be read as an APP (YAML syntax): the canvas is read-only until fixed. */
  unreadable?: Text;
}

/** A running block's figures, from the APP's status reports while it runs on the simulator. */
export interface LiveNodeStats {
  in: number;
  out: number;
  /** Messages out per second since the previous report. */
  rate: number;
  errors: number;
  /** The last value sent, shortened for display. */
  last?: string;
}

/** Where an OPC UA variable from the Devices view was dropped on the canvas. */
export interface VariableDrop {
  /** Flow coordinates of the drop. */
  position: [number, number];
  /** The block it was dropped on, if any: a block with a signal is then bound to the variable. */
  node?: string;
  /** What the drag carried as text (a dengta-opcua: URI from the Devices view), if the browser passed it on. */
  data?: string;
}

// --- host → webview ---------------------------------------------------------------------------

export type HostMessage =
  | {
    type: "init";
    locale: Locale;
    catalog: BlockView[];
    /**
     * Which input types each output type may connect to, keyed by `typeKey`: computed by the host
     * with core's rule, so the canvas can refuse a connection while it is being dragged.
     */
    compatible: Record<string, string[]>;
  }
  | { type: "document"; app: AppView }
  /** Something the user should hear about, e.g. why a connection was refused. */
  | { type: "notice"; level: "info" | "warning" | "error"; text: Text }
  /** Select and reveal these nodes (from the Problems panel or a command). */
  | { type: "reveal"; nodes: string[] }
  /** Figures of a run on the simulator, every half second while it runs; `running: false` clears them. */
  | { type: "live"; running: boolean; nodes: Record<string, LiveNodeStats> };

// --- webview → host ---------------------------------------------------------------------------

export interface NewNode {
  block: string;
  config?: Record<string, unknown>;
  position: [number, number];
  /** A paste: the id the node had where it was copied, so pasted edges can be rewired. */
  copiedId?: string;
}

export type WebviewMessage =
  | { type: "ready" }
  | { type: "addNodes"; version: number; nodes: NewNode[]; edges?: EdgeView[] }
  | { type: "deleteElements"; version: number; nodes: string[]; edges: EdgeView[] }
  | { type: "connect"; version: number; edge: EdgeView }
  | { type: "moveNodes"; version: number; positions: Record<string, [number, number]> }
  | { type: "setConfig"; version: number; node: string; config: Record<string, unknown> }
  | { type: "openText"; node?: string }
  | { type: "dropVariable"; version: number; drop: VariableDrop };

/** The key of a port type in `compatible`: "number", "object|string". */
export function typeKey(type: PortType): string {
  return (Array.isArray(type) ? [...type].sort() : [type]).join("|");
}

// --- checking what arrives --------------------------------------------------------------------

type Check = (value: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isString: Check = (v) => typeof v === "string";
const isInteger: Check = (v) => Number.isSafeInteger(v);
const isPosition: Check = (v) => Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === "number" && Number.isFinite(n));
const isPortRef: Check = (v) => isObject(v) && isString(v.node) && isString(v.port);
const isEdge: Check = (v) => isObject(v) && isPortRef(v.from) && isPortRef(v.to);
const listOf = (item: Check): Check => (v) => Array.isArray(v) && v.every(item);
const isText: Check = (v) => isObject(v) && isString(v.en) && isString(v["zh-CN"]);
const isNewNode: Check = (v) => isObject(v) && isString(v.block) && isPosition(v.position)
  && (v.config === undefined || isObject(v.config)) && (v.copiedId === undefined || isString(v.copiedId));

const isCount: Check = (v) => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isLiveStats: Check = (v) => isObject(v) && isCount(v.in) && isCount(v.out) && isCount(v.rate) && isCount(v.errors)
  && (v.last === undefined || isString(v.last));
const isVariableDrop: Check = (v) => isObject(v) && isPosition(v.position)
  && (v.node === undefined || isString(v.node)) && (v.data === undefined || isString(v.data));

/** The fields each webview message must have, and how to check them. */
const WEBVIEW_FIELDS: Record<WebviewMessage["type"], Record<string, Check>> = {
  ready: {},
  addNodes: { version: isInteger, nodes: listOf(isNewNode) },
  deleteElements: { version: isInteger, nodes: listOf(isString), edges: listOf(isEdge) },
  connect: { version: isInteger, edge: isEdge },
  moveNodes: { version: isInteger, positions: (v) => isObject(v) && Object.values(v).every(isPosition) },
  setConfig: { version: isInteger, node: isString, config: isObject },
  openText: {},
  dropVariable: { version: isInteger, drop: isVariableDrop },
};

const HOST_FIELDS: Record<HostMessage["type"], Record<string, Check>> = {
  init: { locale: (v) => v === "en" || v === "zh-CN", catalog: Array.isArray, compatible: isObject },
  document: { app: (v) => isObject(v) && isInteger(v.version) && Array.isArray(v.nodes) && Array.isArray(v.edges) && Array.isArray(v.problems) },
  notice: { level: (v) => v === "info" || v === "warning" || v === "error", text: isText },
  reveal: { nodes: listOf(isString) },
  live: { running: (v) => typeof v === "boolean", nodes: (v) => isObject(v) && Object.values(v).every(isLiveStats) },
};

function parseWith<T>(fields: Record<string, Record<string, Check>>, data: unknown): T | undefined {
  if (!isObject(data) || typeof data.type !== "string" || !Object.hasOwn(fields, data.type)) return undefined;
  const checks = fields[data.type]!;
  for (const [name, check] of Object.entries(checks)) if (!check(data[name])) return undefined;
  return data as T;
}

/** The message if it is a well-formed webview message, else undefined. */
export function parseWebviewMessage(data: unknown): WebviewMessage | undefined {
  const message = parseWith<WebviewMessage>(WEBVIEW_FIELDS, data);
  if (message?.type === "addNodes" && message.edges !== undefined && !listOf(isEdge)(message.edges)) return undefined;
  if (message?.type === "openText" && message.node !== undefined && !isString(message.node)) return undefined;
  return message;
}

/** The message if it is a well-formed host message, else undefined. */
export function parseHostMessage(data: unknown): HostMessage | undefined {
  return parseWith<HostMessage>(HOST_FIELDS, data);
}
