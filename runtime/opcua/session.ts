// One OPC UA session per endpoint: connects with the binding's security, refuses unknown server
// certificates, keeps one subscription, and lives through lost connections and server restarts.
import {
  AttributeIds, ClientMonitoredItem, coerceNodeId, OPCUAClient, TimestampsToReturn,
  type ClientSession, type ClientSubscription, type DataValue, type MonitoringParametersOptions, type NodeId,
} from "node-opcua-client";
import type { Clock, Log, SiteContext } from "../block.ts";
import { describeCertificate, refusalText } from "./certificate-info.ts";
import { securityOptions, userIdentity, type EndpointConfig } from "./endpoint-config.ts";
import { pkiFolder } from "./pki-store.ts";
import { RecordingCertificateManager } from "./recording-certificate-manager.ts";
import { OpcuaError, text, type Text } from "./text.ts";
import { TimeOrderedDispatch } from "./time-ordered.ts";
import { withTimeout } from "./wait.ts";

export const RETRY = { initialDelay: 250, maxDelay: 10_000 } as const;
/** The publishing interval of an endpoint whose binding sets none. */
export const PUBLISHING_MS = 50;
/** The server answers at least this often, with data or a keep-alive. */
const KEEP_ALIVE_MS = 3_000;
/**
 * Silence on the socket for this long means the line is dead: a pulled cable sends no FIN, so
 * only the missing keep-alives tell. Three keep-alives at least, and never under 10 s.
 */
function transportTimeoutMs(publishingMs: number): number {
  return Math.max(10_000, 3 * publishingMs * keepAliveCount(publishingMs));
}

function keepAliveCount(publishingMs: number): number {
  return Math.max(1, Math.round(KEEP_ALIVE_MS / publishingMs));
}
const CLOSE_TIMEOUT_MS = 2_000;

export interface SessionHost {
  log: Log;
  clock: Clock;
  site: SiteContext;
}

/** A time without a connection, on the APP's clock. */
export interface Gap {
  start: number;
  end: number;
  durationMs: number;
}

export interface MonitorSpec {
  nodeId: string;
  parameters: MonitoringParametersOptions;
  onValue(dataValue: DataValue): void;
  onError(message: Text): void;
}

interface Monitor {
  spec: MonitorSpec;
  item?: ClientMonitoredItem;
}

export class EndpointSession {
  /** How often the server sends this endpoint's changes. */
  get publishingMs(): number {
    return this.config.publishingMs ?? PUBLISHING_MS;
  }

  private client: OPCUAClient | undefined;
  private session: ClientSession | undefined;
  private subscription: ClientSubscription | undefined;
  private pki: RecordingCertificateManager | undefined;
  private namespaces: string[] | undefined;
  private online = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private delay: number = RETRY.initialDelay;
  private lastProblem = "";
  private gapStart: number | undefined;
  /** Wall time of the loss: on a following clock model time stands still while nothing arrives. */
  private gapWallStart = 0;
  private readonly monitors = new Set<Monitor>();
  private readonly dispatch = new TimeOrderedDispatch();
  private readonly waiters = new Set<() => void>();
  private readonly gapListeners = new Set<(gap: Gap) => void>();
  private readonly stateListeners = new Set<(online: boolean) => void>();

  constructor(readonly config: EndpointConfig, private readonly host: SessionHost) {}

  start(): void {
    void this.attempt();
  }

  /** The session once connected; rejects after `timeoutMs` without a connection. */
  async ready(timeoutMs: number): Promise<ClientSession> {
    if (!this.online || this.session === undefined) await this.waitOnline(timeoutMs);
    return this.session!;
  }

  isOnline(): boolean {
    return this.online;
  }

  /** Watches a node for as long as the session lives, across reconnections; returns how to stop. */
  monitor(spec: MonitorSpec): () => Promise<void> {
    const monitor: Monitor = { spec };
    this.monitors.add(monitor);
    if (this.subscription) void this.install(monitor);
    return async () => {
      this.monitors.delete(monitor);
      await monitor.item?.terminate().catch(() => undefined);
    };
  }

  /** Called with true when the session is up and false when it is lost; once now with the current state. */
  onState(listener: (online: boolean) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.online);
    return () => this.stateListeners.delete(listener);
  }

  onGap(listener: (gap: Gap) => void): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  /** A NodeId of the binding; `nsu=<uri>;` is looked up in the server's namespace table. */
  async nodeId(textId: string): Promise<NodeId> {
    const match = /^nsu=([^;]+);(.+)$/.exec(textId);
    if (!match) return coerceNodeId(textId);
    this.namespaces ??= await this.session!.readNamespaceArray();
    const index = this.namespaces.indexOf(match[1]!);
    if (index < 0) {
      throw new OpcuaError(text(`server '${this.config.name}' has no namespace ${match[1]}`, `服务器 '${this.config.name}' 没有命名空间 ${match[1]}`));
    }
    return coerceNodeId(`ns=${index};${match[2]}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.discard();
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    try {
      await this.connect();
      this.delay = RETRY.initialDelay;
      this.lastProblem = "";
    } catch (error) {
      const refused = this.pki?.refused;
      await this.discard();
      if (this.closed) return;
      this.report(error, refused);
      this.retryTimer = setTimeout(() => void this.attempt(), this.delay);
      this.delay = Math.min(this.delay * 2, RETRY.maxDelay);
    }
  }

  private async connect(): Promise<void> {
    const identity = userIdentity(this.config, this.host.site);
    this.pki = new RecordingCertificateManager(pkiFolder(this.host.site.dataDir));
    await this.pki.initialize();
    const client = (this.client = this.createClient(this.pki));
    await client.connect(this.config.url);
    const session = await client.createSession(identity);
    this.session = session;
    this.subscription = await session.createSubscription2({
      requestedPublishingInterval: this.publishingMs, requestedLifetimeCount: 6000, requestedMaxKeepAliveCount: keepAliveCount(this.publishingMs),
      maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 10,
    });
    if (this.closed) throw new Error("closed");
    await Promise.all([...this.monitors].map((m) => this.install(m)));
    this.host.log.info(text(
      `connected to OPC UA server '${this.config.name}' (${this.config.url}, ${this.config.mode}/${this.config.policy})`,
      `已连接 OPC UA 服务器 '${this.config.name}'（${this.config.url}，${this.config.mode}/${this.config.policy}）`,
    ));
    this.setOnline();
  }

  private createClient(pki: RecordingCertificateManager): OPCUAClient {
    const client = OPCUAClient.create({
      applicationName: "Dengta",
      clientName: `dengta-${this.config.name}`,
      endpointMustExist: false,
      ...securityOptions(this.config),
      clientCertificateManager: pki,
      connectionStrategy: { maxRetry: -1, initialDelay: RETRY.initialDelay, maxDelay: RETRY.maxDelay },
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      transportTimeout: transportTimeoutMs(this.publishingMs),
    });
    client.on("backoff", (count, delay) => this.onBackoff(count, delay));
    client.on("connection_lost", () => this.onLost());
    client.on("connection_reestablished", () => this.onRestored());
    return client;
  }

  private async install(monitor: Monitor): Promise<void> {
    const subscription = this.subscription;
    if (!subscription) return;
    try {
      const nodeId = await this.nodeId(monitor.spec.nodeId);
      const item = ClientMonitoredItem.create(subscription, { nodeId, attributeId: AttributeIds.Value }, monitor.spec.parameters, TimestampsToReturn.Both);
      monitor.item = item;
      item.on("changed", (dataValue: DataValue) => this.dispatch.push(monitor.spec.onValue, dataValue));
      item.on("err", (message: string) => monitor.spec.onError(text(
        `cannot watch ${monitor.spec.nodeId} on '${this.config.name}': ${message}`,
        `无法在 '${this.config.name}' 上监视 ${monitor.spec.nodeId}：${message}`,
      )));
    } catch (error) {
      monitor.spec.onError(text(`cannot watch ${monitor.spec.nodeId}: ${messageOf(error)}`, `无法监视 ${monitor.spec.nodeId}：${messageOf(error)}`));
    }
  }

  private onBackoff(count: number, delay: number): void {
    // Every attempt would flood the log during a long outage: report the 1st, 2nd, 4th, 8th...
    if ((count & (count - 1)) !== 0) return;
    this.host.log.warn(text(
      `OPC UA server '${this.config.name}' (${this.config.url}) does not answer; attempt ${count}, next in ${delay} ms`,
      `OPC UA 服务器 '${this.config.name}'（${this.config.url}）无应答；第 ${count} 次尝试，${delay} 毫秒后重试`,
    ));
  }

  private onLost(): void {
    if (!this.online) return;
    this.online = false;
    for (const listener of this.stateListeners) listener(false);
    this.gapStart = this.host.clock.now();
    this.gapWallStart = Date.now();
    this.host.log.warn(text(
      `lost the connection to OPC UA server '${this.config.name}' at ${iso(this.gapStart)}; reconnecting`,
      `与 OPC UA 服务器 '${this.config.name}' 的连接于 ${iso(this.gapStart)} 中断；正在重连`,
    ));
  }

  private onRestored(): void {
    const start = this.gapStart;
    this.gapStart = undefined;
    this.setOnline();
    if (start === undefined) return;
    const end = this.host.clock.now();
    const gap = { start, end, durationMs: Date.now() - this.gapWallStart };
    this.host.log.info(text(
      `reconnected to OPC UA server '${this.config.name}': no data from ${iso(start)} to ${iso(end)} (${gap.durationMs} ms)`,
      `已重新连接 OPC UA 服务器 '${this.config.name}'：${iso(start)} 至 ${iso(end)} 之间无数据（${gap.durationMs} 毫秒）`,
    ), { endpoint: this.config.name, gap });
    for (const listener of this.gapListeners) listener(gap);
  }

  private setOnline(): void {
    this.online = true;
    for (const listener of this.stateListeners) listener(true);
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiters) resolve();
  }

  private waitOnline(timeoutMs: number): Promise<void> {
    let resolve!: () => void;
    const online = new Promise<void>((r) => (resolve = r));
    this.waiters.add(resolve);
    return withTimeout(online, timeoutMs, () => {
      this.waiters.delete(resolve);
      return new OpcuaError(text(
        `OPC UA server '${this.config.name}' not connected after ${timeoutMs} ms`,
        `OPC UA 服务器 '${this.config.name}' 在 ${timeoutMs} 毫秒内未连接`,
      ));
    });
  }

  private report(error: unknown, refused: Buffer | undefined): void {
    const problem = refused ? refusalText(this.config.name, describeCertificate(refused), this.host.site.dataDir) : problemText(this.config, error);
    if (problem.en === this.lastProblem) return;
    this.lastProblem = problem.en;
    this.host.log.error(problem, { endpoint: this.config.name, ...(refused ? { thumbprint: describeCertificate(refused).thumbprint } : {}) });
  }

  /** Lets go of the client, session and subscription; the monitors stay to be installed again. */
  private async discard(): Promise<void> {
    const { client, session, subscription, pki } = this;
    this.client = this.session = this.subscription = this.pki = this.namespaces = undefined;
    this.online = false;
    for (const monitor of this.monitors) monitor.item = undefined;
    if (subscription) await withTimeout(subscription.terminate(), CLOSE_TIMEOUT_MS).catch(() => undefined);
    if (session) await withTimeout(session.close(true), CLOSE_TIMEOUT_MS).catch(() => undefined);
    if (client) await withTimeout(client.disconnect(), CLOSE_TIMEOUT_MS).catch(() => undefined);
    if (pki) await pki.dispose().catch(() => undefined);
  }
}

function problemText(config: EndpointConfig, error: unknown): Text {
  if (error instanceof OpcuaError) return error.text;
  const message = messageOf(error);
  if (/BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid/.test(message)) {
    return text(
      `OPC UA server '${config.name}' refused the sign-in${config.user ? ` of user '${config.user.name}'` : ""}: check the user name and the secret`,
      `OPC UA 服务器 '${config.name}' 拒绝登录${config.user ? `（用户 '${config.user.name}'）` : ""}：请检查用户名和密钥`,
    );
  }
  return text(
    `cannot connect to OPC UA server '${config.name}' (${config.url}): ${message}; retrying`,
    `无法连接 OPC UA 服务器 '${config.name}'（${config.url}）：${message}；正在重试`,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
