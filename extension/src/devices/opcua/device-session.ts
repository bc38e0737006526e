// A session the Devices view browses and reads with: the endpoint's security, the client's own
// certificate kept in the PKI folder, and server certificates trusted only by the user. Node ids
// leave here in namespace-URI form, so a binding survives the server renumbering its namespaces.
import {
  AttributeIds, BrowseDirection, DataType, NodeClass, NodeId, OPCUAClient, ReferenceTypeIds, StatusCodes,
  UserTokenType, coerceNodeId, type BrowseResult, type ClientSession, type DataValue, type ReferenceDescription,
  type UserIdentityInfo,
} from "node-opcua-client";
import { describeCertificate, type CertificateInfo } from "../../../../runtime/opcua/certificate-info.ts";
import { plainValue, qualityOf } from "../../../../runtime/opcua/data-value.ts";
import { securityOptions } from "../../../../runtime/opcua/endpoint-config.ts";
import { RecordingCertificateManager } from "../../../../runtime/opcua/recording-certificate-manager.ts";
import { OpcuaError, text } from "../../../../runtime/opcua/text.ts";
import { builtInOf, dataTypeName } from "../../../../runtime/opcua/variant.ts";
import { withTimeout } from "../../../../runtime/opcua/wait.ts";
import { checkOpcTcpUrl, connectionProblem, messageOf, timeoutError } from "./connection-problem.ts";
import type { SecurityMode, SecurityPolicyName, ServerCertificate } from "./probe.ts";
import { expiryWarning, leafCertificate, trustStatus } from "./trust.ts";

export type NodeClassName = "Object" | "Variable" | "Method" | "ObjectType" | "VariableType" | "ReferenceType" | "DataType" | "View" | "Unspecified";

export interface DeviceSessionOptions {
  url: string;
  securityMode: SecurityMode;
  securityPolicy: SecurityPolicyName;
  user?: { name: string; password: string };
  /** The client's PKI: own/ (its certificate, made once), trusted/certs, rejected. */
  pkiDir: string;
  /** For connecting, and for each request after. */
  timeoutMs: number;
}

export interface BrowseItem {
  /** `i=85` in namespace 0, else `nsu=<namespace URI>;s=…` (or i=, g=, b=). */
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: NodeClassName;
  /** A variable's data type: the built-in type's name (e.g. "Double"), else the DataType node's name. */
  dataType?: string;
  hasChildren: boolean;
}

export interface BrowsePage {
  items: BrowseItem[];
  /** Base64 of the server's continuation point: pass it back to get the next page. */
  continuation?: string;
}

export interface BrowseOptions {
  pageSize?: number;
  continuation?: string;
}

export interface VariableReading {
  value: unknown;
  dataType?: string;
  status: "good" | "uncertain" | "bad";
  /** The StatusCode's name, e.g. Good or BadNodeIdUnknown. */
  statusText: string;
  sourceTimestamp?: string;
}

/** The server's certificate is not in the trust list: the UI shows it and asks. */
export class UntrustedServerError extends OpcuaError {
  override readonly name = "UntrustedServerError";

  constructor(readonly url: string, readonly server: ServerCertificate) {
    super(text(
      `the certificate of OPC UA server ${url} is not trusted yet: subject ${server.subject}, thumbprint ${server.thumbprint}, valid ${server.notBefore.slice(0, 10)} to ${server.notAfter.slice(0, 10)}. Trust it if this is the right server`,
      `OPC UA 服务器 ${url} 的证书尚未被信任：主题 ${server.subject}，指纹 ${server.thumbprint}，有效期 ${server.notBefore.slice(0, 10)} 至 ${server.notAfter.slice(0, 10)}。确认是正确的服务器后再信任它`,
    ));
  }
}

export const OBJECTS_FOLDER = "i=85";
const DEFAULT_PAGE_SIZE = 500;
/** Nodes per Browse or Read request when the server states no limit. */
const DEFAULT_NODES_PER_REQUEST = 1000;
const CLOSE_TIMEOUT_MS = 2_000;
const NODE_CLASSES: ReadonlyMap<number, NodeClassName> = new Map([
  [NodeClass.Object, "Object"], [NodeClass.Variable, "Variable"], [NodeClass.Method, "Method"], [NodeClass.ObjectType, "ObjectType"],
  [NodeClass.VariableType, "VariableType"], [NodeClass.ReferenceType, "ReferenceType"], [NodeClass.DataType, "DataType"], [NodeClass.View, "View"],
]);
// Server_ServerCapabilities_OperationLimits_MaxNodesPerRead and _MaxNodesPerBrowse.
const MAX_NODES_PER_READ = "i=11705";
const MAX_NODES_PER_BROWSE = "i=11710";

export class DeviceSession {
  /** Browse requests one at a time: the page size is a setting of the node-opcua session. */
  private browsing: Promise<unknown> = Promise.resolve();
  private readonly dataTypeNames = new Map<string, string>();
  private closed = false;

  private constructor(
    readonly url: string,
    private readonly client: OPCUAClient,
    private readonly session: ClientSession,
    private readonly pki: RecordingCertificateManager,
    private readonly namespaces: readonly string[],
    private readonly limits: { read: number; browse: number },
    private readonly timeoutMs: number,
  ) {}

  static async open(options: DeviceSessionOptions): Promise<DeviceSession> {
    checkOpcTcpUrl(options.url);
    const pki = new RecordingCertificateManager(options.pkiDir);
    const client = OPCUAClient.create({
      applicationName: "Dengta",
      clientName: "dengta-devices",
      endpointMustExist: false,
      ...securityOptions({ name: options.url, url: options.url, mode: options.securityMode, policy: options.securityPolicy }),
      clientCertificateManager: pki,
      // Fail at once when opening; after that, node-opcua reconnects on its own (see below).
      connectionStrategy: { maxRetry: 0, initialDelay: 250, maxDelay: 10_000 },
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      transportTimeout: Math.max(options.timeoutMs, 10_000),
      defaultTransactionTimeout: options.timeoutMs,
    });
    let session: ClientSession | undefined;
    try {
      await withTimeout(pki.initialize(), options.timeoutMs, () => timeoutError(options.url, options.timeoutMs));
      await withTimeout(client.connect(options.url), options.timeoutMs, () => timeoutError(options.url, options.timeoutMs));
      session = await withTimeout(client.createSession(identity(options.user)), options.timeoutMs, () => timeoutError(options.url, options.timeoutMs));
      const namespaces = await withTimeout(session.readNamespaceArray(), options.timeoutMs, () => timeoutError(options.url, options.timeoutMs));
      const limits = await operationLimits(session);
      client.connectionStrategy.maxRetry = -1;
      return new DeviceSession(options.url, client, session, pki, namespaces, limits, options.timeoutMs);
    } catch (error) {
      const refused = pki.refused;
      if (session) await withTimeout(session.close(), CLOSE_TIMEOUT_MS).catch(() => undefined);
      await withTimeout(client.disconnect(), CLOSE_TIMEOUT_MS).catch(() => undefined);
      await pki.dispose().catch(() => undefined);
      if (refused) throw refusal(options, refused);
      throw signInProblem(options, error) ?? connectionProblem(options.url, error);
    }
  }

  /** One page of the node's children (hierarchical references, forward), or the page after `continuation`. */
  async browse(nodeId: string = OBJECTS_FOLDER, options: BrowseOptions = {}): Promise<BrowsePage> {
    const pageSize = Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE));
    const result = await this.request(async () => {
      if (options.continuation !== undefined) {
        const point = Buffer.from(options.continuation, "base64");
        return this.exclusive(() => this.session.browseNext(point, false));
      }
      const node = this.resolve(nodeId);
      return this.exclusive(() => {
        this.session.requestedMaxReferencesPerNode = pageSize;
        return this.session.browse(hierarchicalChildren(node));
      });
    });
    if (result.statusCode.isNotGood() && result.statusCode.value !== StatusCodes.GoodNoData.value) throw browseProblem(nodeId, result);
    const references = result.references ?? [];
    const [hasChildren, dataTypes] = await this.request(() => Promise.all([this.haveChildren(references), this.dataTypesOf(references)]));
    const items = references.map((reference, i): BrowseItem => ({
      nodeId: this.textOf(reference.nodeId),
      browseName: reference.browseName.name ?? "",
      displayName: reference.displayName.text ?? reference.browseName.name ?? "",
      nodeClass: NODE_CLASSES.get(reference.nodeClass) ?? "Unspecified",
      ...(dataTypes[i] !== undefined ? { dataType: dataTypes[i] } : {}),
      hasChildren: hasChildren[i]!,
    }));
    const point = result.continuationPoint;
    return point && point.length > 0 ? { items, continuation: point.toString("base64") } : { items };
  }

  /** The variable's current value, as the server has it. */
  async read(nodeId: string): Promise<VariableReading> {
    const node = this.resolve(nodeId);
    const [value, type] = await this.request(() => this.session.read([
      { nodeId: node, attributeId: AttributeIds.Value },
      { nodeId: node, attributeId: AttributeIds.DataType },
    ]));
    const declared = type!.statusCode.isGood() ? await this.request(() => this.namesOf([type!.value.value as NodeId])) : [];
    const dataType = declared[0] ?? (value!.value.dataType === DataType.Null ? undefined : DataType[value!.value.dataType]);
    const sourceTimestamp = timeOf(value!);
    return {
      value: plainValue(value!.value),
      ...(dataType !== undefined ? { dataType } : {}),
      status: qualityOf(value!.statusCode),
      statusText: value!.statusCode.name,
      ...(sourceTimestamp !== undefined ? { sourceTimestamp } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await withTimeout(this.session.close(), CLOSE_TIMEOUT_MS).catch(() => undefined);
    await withTimeout(this.client.disconnect(), CLOSE_TIMEOUT_MS).catch(() => undefined);
    await this.pki.dispose().catch(() => undefined);
  }

  /** A node id as this server numbers it: `nsu=<uri>;` becomes `ns=<index>;`. */
  private resolve(textId: string): NodeId {
    const match = /^nsu=([^;]+);(.+)$/.exec(textId);
    try {
      if (!match) return coerceNodeId(textId);
      const index = this.namespaces.indexOf(match[1]!);
      if (index < 0) {
        throw new OpcuaError(text(`OPC UA server ${this.url} has no namespace ${match[1]}`, `OPC UA 服务器 ${this.url} 没有命名空间 ${match[1]}`));
      }
      return coerceNodeId(`ns=${index};${match[2]}`);
    } catch (error) {
      if (error instanceof OpcuaError) throw error;
      throw new OpcuaError(text(`'${textId}' is not an OPC UA node id`, `'${textId}' 不是 OPC UA 节点标识`));
    }
  }

  private textOf(nodeId: NodeId & { namespaceUri?: string | null }): string {
    const local = new NodeId(nodeId.identifierType, nodeId.value, 0).toString().replace(/^ns=0;/, "");
    if (nodeId.namespaceUri) return `nsu=${nodeId.namespaceUri};${local}`;
    if (nodeId.namespace === 0) return local;
    const uri = this.namespaces[nodeId.namespace];
    return uri === undefined ? nodeId.toString() : `nsu=${uri};${local}`;
  }

  /**
   * Whether each node has children of its own: one reference is enough to know. A continuation
   * point left by that (or refused for want of one) also means yes; those are released at once.
   */
  private async haveChildren(references: ReferenceDescription[]): Promise<boolean[]> {
    const answers: boolean[] = [];
    for (const chunk of chunks(references, this.limits.browse)) {
      const results = await this.exclusive(async () => {
        this.session.requestedMaxReferencesPerNode = 1;
        return this.session.browse(chunk.map((r) => hierarchicalChildren(this.localId(r.nodeId))));
      });
      const points = results.map((r) => r.continuationPoint).filter((p): p is Buffer => !!p && p.length > 0);
      if (points.length > 0) await this.exclusive(() => this.session.browseNext(points, true)).catch(() => undefined);
      for (const r of results) {
        answers.push((r.references?.length ?? 0) > 0 || (r.continuationPoint?.length ?? 0) > 0 || r.statusCode.value === StatusCodes.BadNoContinuationPoints.value);
      }
    }
    return answers;
  }

  /** The DataType of each Variable among the references, undefined for the rest. */
  private async dataTypesOf(references: ReferenceDescription[]): Promise<Array<string | undefined>> {
    const variables = references.flatMap((r, i) => (r.nodeClass === NodeClass.Variable ? [i] : []));
    const names: Array<string | undefined> = references.map(() => undefined);
    const ids: Array<NodeId | undefined> = [];
    for (const chunk of chunks(variables, this.limits.read)) {
      const values = await this.session.read(chunk.map((i) => ({ nodeId: this.localId(references[i]!.nodeId), attributeId: AttributeIds.DataType })));
      for (const v of values) ids.push(v.statusCode.isGood() ? (v.value.value as NodeId) : undefined);
    }
    const resolved = await this.namesOf(ids);
    variables.forEach((index, n) => (names[index] = resolved[n]));
    return names;
  }

  /** Built-in types by name; any other DataType node by its BrowseName, read once per session. */
  private async namesOf(ids: Array<NodeId | undefined>): Promise<Array<string | undefined>> {
    const unknown = [...new Set(ids.filter((id): id is NodeId => id !== undefined && builtInOf(id) === DataType.Variant)
      .map((id) => id.toString()).filter((key) => !this.dataTypeNames.has(key)))];
    for (const chunk of chunks(unknown, this.limits.read)) {
      const values = await this.session.read(chunk.map((key) => ({ nodeId: coerceNodeId(key), attributeId: AttributeIds.BrowseName })));
      values.forEach((v, i) => this.dataTypeNames.set(chunk[i]!, v.statusCode.isGood() ? String((v.value.value as { name?: string }).name) : chunk[i]!));
    }
    return ids.map((id) => {
      if (id === undefined) return undefined;
      return builtInOf(id) === DataType.Variant ? this.dataTypeNames.get(id.toString()) : dataTypeName(id);
    });
  }

  /** A reference's target as a NodeId of this server (an ExpandedNodeId may name its namespace by URI). */
  private localId(target: NodeId & { namespaceUri?: string | null }): NodeId {
    if (!target.namespaceUri) return new NodeId(target.identifierType, target.value, target.namespace);
    return new NodeId(target.identifierType, target.value, Math.max(0, this.namespaces.indexOf(target.namespaceUri)));
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.browsing.then(task, task);
    this.browsing = run.catch(() => undefined);
    return run;
  }

  /** A request with the session's deadline, its failure in both languages. */
  private async request<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) throw new OpcuaError(text(`the session to ${this.url} is closed`, `与 ${this.url} 的会话已关闭`));
    try {
      return await withTimeout(task(), this.timeoutMs, () => timeoutError(this.url, this.timeoutMs));
    } catch (error) {
      throw connectionProblem(this.url, error);
    }
  }
}

function hierarchicalChildren(nodeId: NodeId) {
  return {
    nodeId,
    browseDirection: BrowseDirection.Forward,
    referenceTypeId: ReferenceTypeIds.HierarchicalReferences,
    includeSubtypes: true,
    nodeClassMask: 0,
    resultMask: 0x3f,
  };
}

function identity(user: DeviceSessionOptions["user"]): UserIdentityInfo {
  return user ? { type: UserTokenType.UserName, userName: user.name, password: user.password } : { type: UserTokenType.Anonymous };
}

/** The server's stated limits on nodes per request; 0 or unreadable means none stated. */
async function operationLimits(session: ClientSession): Promise<{ read: number; browse: number }> {
  const limit = (value: DataValue | undefined) => {
    const n = value?.statusCode.isGood() ? Number(value.value.value) : 0;
    return n > 0 ? Math.min(n, DEFAULT_NODES_PER_REQUEST) : DEFAULT_NODES_PER_REQUEST;
  };
  try {
    const [read, browse] = await session.read([
      { nodeId: MAX_NODES_PER_READ, attributeId: AttributeIds.Value },
      { nodeId: MAX_NODES_PER_BROWSE, attributeId: AttributeIds.Value },
    ]);
    return { read: limit(read), browse: limit(browse) };
  } catch {
    return { read: DEFAULT_NODES_PER_REQUEST, browse: DEFAULT_NODES_PER_REQUEST };
  }
}

/** The server's certificate was refused: untrusted (ask the user), or trusted yet invalid (say why). */
function refusal(options: DeviceSessionOptions, refused: Buffer): OpcuaError {
  const der = Buffer.from(leafCertificate(refused));
  const info: CertificateInfo = describeCertificate(der);
  if (trustStatus(options.pkiDir, der) !== "trusted") return new UntrustedServerError(options.url, { ...info, der });
  const why = expiryWarning(info, Date.now(), 0);
  return new OpcuaError(text(
    `the trusted certificate of OPC UA server ${options.url} (thumbprint ${info.thumbprint}) was still refused${why ? `: ${why.en}` : ": its issuer or revocation list is missing from the trust list"}`,
    `OPC UA 服务器 ${options.url} 的证书（指纹 ${info.thumbprint}）虽已信任，仍被拒绝${why ? `：${why["zh-CN"]}` : "：信任列表中缺少其颁发者或吊销列表"}`,
  ));
}

function signInProblem(options: DeviceSessionOptions, error: unknown): OpcuaError | undefined {
  if (!/BadUserAccessDenied|BadIdentityToken/.test(messageOf(error))) return undefined;
  return new OpcuaError(options.user
    ? text(`OPC UA server ${options.url} refused the sign-in of user '${options.user.name}': check the user name and password`, `OPC UA 服务器 ${options.url} 拒绝用户 '${options.user.name}' 登录：请检查用户名和密码`)
    : text(`OPC UA server ${options.url} does not allow anonymous sign-in: give a user name and password`, `OPC UA 服务器 ${options.url} 不允许匿名登录：请提供用户名和密码`));
}

function browseProblem(nodeId: string, result: BrowseResult): OpcuaError {
  const status = result.statusCode.name;
  if (status === "BadContinuationPointInvalid") {
    return new OpcuaError(text(`the next page of ${nodeId} is no longer available: refresh to browse again`, `${nodeId} 的下一页已失效：请刷新后重新浏览`));
  }
  if (status === "BadNodeIdUnknown") return new OpcuaError(text(`the server has no node ${nodeId}`, `服务器上没有节点 ${nodeId}`));
  return new OpcuaError(text(`cannot browse ${nodeId}: ${status}`, `无法浏览 ${nodeId}：${status}`));
}

function timeOf(value: DataValue): string | undefined {
  // node-opcua reports a missing timestamp as null or as the OPC UA minimum date (1601).
  const ms = value.sourceTimestamp?.getTime();
  return ms !== undefined && ms > 0 ? new Date(ms).toISOString() : undefined;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
