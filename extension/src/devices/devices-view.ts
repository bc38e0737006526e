// The OPC UA Devices view: endpoints of this workspace, their address space browsed lazily a page
// at a time (a server of 10,000 nodes shows its first page at once, then "Load more"), and
// variables that can be read, dragged onto the canvas or bound to a signal of the APP.
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import type { Text } from "../../../webview/protocol.ts";
import { inUiLanguage } from "../locale.ts";
import { bindingSecretName, type DeviceEndpoint, type DeviceStore } from "./device-store.ts";
import type { BrowseItem, DeviceSession } from "./opcua/index.ts";
import { variableUri, type VariableRef } from "./variable-uri.ts";

export const DEVICES_VIEW = "dengta.devices";
const PAGE_SIZE = 500;
const ROOT = "i=85"; // the Objects folder
const UNTRUSTED: Text = { en: "The server's certificate is not trusted yet: click to review it", "zh-CN": "服务器证书尚未信任：点击查看" };

/** Loaded on first browse: node-opcua costs start-up time nobody should pay before. */
export const opcuaServices = () => import("./opcua-services.ts");

export type DeviceElement =
  | { kind: "endpoint"; endpoint: DeviceEndpoint }
  | { kind: "node"; endpoint: string; item: BrowseItem }
  | { kind: "more"; endpoint: string; parent: string }
  | { kind: "message"; endpoint: string; text: Text; untrusted?: boolean };

interface Page {
  items: BrowseItem[];
  continuation: string | undefined;
}

export class DevicesView implements vscode.TreeDataProvider<DeviceElement>, vscode.TreeDragAndDropController<DeviceElement>, vscode.Disposable {
  readonly dragMimeTypes = ["text/uri-list", "text/plain"];
  readonly dropMimeTypes: string[] = [];
  private readonly changed = new vscode.EventEmitter<DeviceElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sessions = new Map<string, Promise<DeviceSession>>();
  /** Pages browsed so far, by endpoint and parent node. */
  private readonly pages = new Map<string, Page>();
  private readonly untrusted = new Set<string>();
  /** The variable whose drag started last: a webview may not receive the drag's text. */
  lastDragged: { ref: VariableRef; at: number } | undefined;

  constructor(private readonly store: DeviceStore, private readonly pkiDir: string) {
    store.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.pages.clear();
    this.untrusted.clear();
    void this.closeSessions();
    this.changed.fire(undefined);
  }

  async dispose(): Promise<void> {
    await this.closeSessions();
    this.changed.dispose();
  }

  /**
   * For a run of an APP bound to these endpoints: the server certificates the user trusted here
   * go into the run's own PKI, and each kept password into the APP's environment as the secret
   * its binding names (DENGTA_SECRET_<NAME>), never into a file.
   */
  async forRun(dataDir: string): Promise<Record<string, string>> {
    const trusted = join(this.pkiDir, "trusted", "certs");
    if (existsSync(trusted)) {
      const target = join(dataDir, "pki", "trusted", "certs");
      mkdirSync(target, { recursive: true });
      cpSync(trusted, target, { recursive: true });
    }
    const env: Record<string, string> = {};
    for (const endpoint of this.store.list()) {
      const password = endpoint.userName ? await this.store.password(endpoint.id) : undefined;
      if (password !== undefined) env[`DENGTA_SECRET_${bindingSecretName(endpoint.id).toUpperCase().replaceAll("-", "_")}`] = password;
    }
    return env;
  }

  /** An open session to the endpoint, opened on first use and shared. */
  session(id: string): Promise<DeviceSession> {
    let session = this.sessions.get(id);
    if (session === undefined) {
      session = this.open(id);
      this.sessions.set(id, session);
      session.catch(() => this.sessions.delete(id));
    }
    return session;
  }

  getTreeItem(element: DeviceElement): vscode.TreeItem {
    switch (element.kind) {
      case "endpoint": return endpointItem(element.endpoint, this.untrusted.has(element.endpoint.id));
      case "node": return nodeItem(element);
      case "more": {
        const item = new vscode.TreeItem(vscode.l10n.t("Load more…"));
        item.command = { command: "dengta.devices.more", title: vscode.l10n.t("Load more…"), arguments: [element] };
        item.iconPath = new vscode.ThemeIcon("ellipsis");
        return item;
      }
      case "message": {
        const item = new vscode.TreeItem(inUiLanguage(element.text));
        item.iconPath = new vscode.ThemeIcon(element.untrusted ? "shield" : "error");
        item.tooltip = inUiLanguage(element.text);
        if (element.untrusted) item.command = { command: "dengta.devices.trust", title: vscode.l10n.t("Trust the server's certificate…"), arguments: [element.endpoint] };
        return item;
      }
    }
  }

  async getChildren(element?: DeviceElement): Promise<DeviceElement[]> {
    if (element === undefined) return this.store.list().map((endpoint) => ({ kind: "endpoint", endpoint }));
    if (element.kind === "endpoint") return this.children(element.endpoint.id, ROOT);
    if (element.kind === "node") return this.children(element.endpoint, element.item.nodeId);
    return [];
  }

  getParent(): undefined {
    return undefined;
  }

  /** Fetches the next page under `parent` and shows it below what was there. */
  async loadMore(more: Extract<DeviceElement, { kind: "more" }>): Promise<void> {
    const key = pageKey(more.endpoint, more.parent);
    const page = this.pages.get(key);
    if (page?.continuation === undefined) return;
    const session = await this.session(more.endpoint);
    const next = await session.browse(more.parent, { pageSize: PAGE_SIZE, continuation: page.continuation });
    this.pages.set(key, { items: [...page.items, ...next.items], continuation: next.continuation });
    this.changed.fire(undefined);
  }

  handleDrag(source: readonly DeviceElement[], transfer: vscode.DataTransfer): void {
    const variable = source.find((e): e is Extract<DeviceElement, { kind: "node" }> => e.kind === "node" && e.item.nodeClass === "Variable");
    if (variable === undefined) return;
    const ref = variableRef(variable);
    this.lastDragged = { ref, at: Date.now() };
    transfer.set("text/uri-list", new vscode.DataTransferItem(variableUri(ref)));
    transfer.set("text/plain", new vscode.DataTransferItem(variableUri(ref)));
  }

  private async children(endpoint: string, parent: string): Promise<DeviceElement[]> {
    const key = pageKey(endpoint, parent);
    try {
      let page = this.pages.get(key);
      if (page === undefined) {
        const session = await this.session(endpoint);
        const first = await session.browse(parent, { pageSize: PAGE_SIZE });
        page = { items: first.items, continuation: first.continuation };
        this.pages.set(key, page);
      }
      const nodes: DeviceElement[] = page.items.map((item) => ({ kind: "node", endpoint, item }));
      return page.continuation === undefined ? nodes : [...nodes, { kind: "more", endpoint, parent }];
    } catch (error) {
      return [this.problem(endpoint, error)];
    }
  }

  private problem(endpoint: string, error: unknown): DeviceElement {
    const untrusted = (error as { name?: string }).name === "UntrustedServerError";
    if (untrusted && !this.untrusted.has(endpoint)) {
      this.untrusted.add(endpoint);
      // The endpoint's item changes too: its context menu offers Trust.
      setTimeout(() => this.changed.fire(undefined), 0);
    }
    if (untrusted) return { kind: "message", endpoint, text: UNTRUSTED, untrusted };
    const text = (error as { text?: Text }).text ?? { en: String((error as Error).message ?? error), "zh-CN": String((error as Error).message ?? error) };
    return { kind: "message", endpoint, text };
  }

  private async open(id: string): Promise<DeviceSession> {
    const endpoint = this.store.get(id);
    if (endpoint === undefined) throw new Error(`no endpoint ${id}`);
    const password = endpoint.userName ? await this.store.password(id) : undefined;
    const { DeviceSession } = await opcuaServices();
    return DeviceSession.open({
      url: endpoint.url, securityMode: endpoint.securityMode, securityPolicy: endpoint.securityPolicy, pkiDir: this.pkiDir, timeoutMs: 10_000,
      ...(endpoint.userName ? { user: { name: endpoint.userName, password: password ?? "" } } : {}),
    });
  }

  private async closeSessions(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(open.map((s) => s.then((session) => session.close(), () => undefined)));
  }
}

function pageKey(endpoint: string, parent: string): string {
  return `${endpoint}\n${parent}`;
}

export function variableRef(element: Extract<DeviceElement, { kind: "node" }>): VariableRef {
  const { item } = element;
  return { endpoint: element.endpoint, nodeId: item.nodeId, browseName: item.browseName, ...(item.dataType ? { dataType: item.dataType } : {}) };
}

function endpointItem(endpoint: DeviceEndpoint, untrusted: boolean): vscode.TreeItem {
  const item = new vscode.TreeItem(endpoint.id, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `endpoint:${endpoint.id}`;
  item.description = endpoint.url;
  item.tooltip = `${endpoint.url}\n${endpoint.securityMode} · ${endpoint.securityPolicy}${endpoint.userName ? `\n${endpoint.userName}` : ""}`;
  item.iconPath = new vscode.ThemeIcon(untrusted ? "shield" : "server");
  item.contextValue = untrusted ? "endpoint-untrusted" : "endpoint";
  return item;
}

function nodeItem(element: Extract<DeviceElement, { kind: "node" }>): vscode.TreeItem {
  const { item } = element;
  const expandable = item.hasChildren && item.nodeClass !== "Variable";
  const tree = new vscode.TreeItem(item.displayName || item.browseName, expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  tree.id = `node:${element.endpoint}:${item.nodeId}`;
  tree.description = item.dataType ?? "";
  tree.tooltip = `${item.nodeId}\n${item.nodeClass}${item.dataType ? ` · ${item.dataType}` : ""}`;
  tree.iconPath = new vscode.ThemeIcon(item.nodeClass === "Variable" ? "symbol-variable" : item.nodeClass === "Method" ? "symbol-method" : "symbol-namespace");
  tree.contextValue = item.nodeClass === "Variable" ? "variable" : "object";
  return tree;
}
