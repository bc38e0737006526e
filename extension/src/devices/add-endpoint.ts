// Adding an OPC UA endpoint, guided: the address, the security the server offers (strongest first),
// a user name and password when wanted (the password to SecretStorage), and — for a secured
// endpoint — the server's certificate shown for the user to trust, with its expiry.
import * as vscode from "vscode";
import { coreServices } from "../lazy-core.ts";
import { inUiLanguage } from "../locale.ts";
import type { DeviceEndpoint, DeviceStore, SecurityMode, SecurityPolicy } from "./device-store.ts";
import { opcuaServices } from "./devices-view.ts";
import type { CertificateInfo } from "./opcua/index.ts";

/** What a test (or another extension) may pass instead of answering the prompts. */
export interface EndpointAnswers {
  url: string;
  securityMode?: SecurityMode;
  securityPolicy?: SecurityPolicy;
  user?: { name: string; password: string };
  /** Trust the server's certificate without asking (true), or leave it untrusted for now (false). */
  trust?: boolean;
}

export async function addEndpoint(store: DeviceStore, pkiDir: string, answers?: EndpointAnswers): Promise<DeviceEndpoint | undefined> {
  const url = answers?.url ?? await askUrl();
  if (url === undefined) return undefined;
  const { probeEndpoint, endpointNameFor } = await loaders();
  const probe = await withProgress(vscode.l10n.t("Asking {0} for its endpoints…", url), () => probeEndpoint(url, { timeoutMs: 10_000 }));
  if (probe === undefined) return undefined;
  const security = answers?.securityMode ? { mode: answers.securityMode, policy: answers.securityPolicy ?? "None" as SecurityPolicy } : await askSecurity(probe.endpoints);
  if (security === undefined) return undefined;
  const offered = probe.endpoints.find((e) => e.securityMode === security.mode && e.securityPolicy === security.policy);
  const user = answers ? answers.user : await askUser(offered?.userTokens ?? []);
  if (user === null) return undefined;
  if (security.mode !== "None" && probe.server && answers?.trust !== false) {
    const trusted = answers?.trust ? await trustCertificate(pkiDir, probe.server.der) : await askTrust(pkiDir, url, probe.server);
    if (!trusted) return undefined;
  }
  const id = endpointNameFor(url, store.list().map((e) => e.id));
  const endpoint: DeviceEndpoint = { id, url, securityMode: security.mode, securityPolicy: security.policy, ...(user ? { userName: user.name } : {}) };
  await store.save(endpoint, user?.password);
  return endpoint;
}

/** Trusts an endpoint's certificate after showing it (the Trust… command of an untrusted endpoint). */
export async function trustEndpoint(endpoint: DeviceEndpoint, pkiDir: string, ask = true): Promise<boolean> {
  const { probeEndpoint } = await loaders();
  const probe = await withProgress(vscode.l10n.t("Asking {0} for its certificate…", endpoint.url), () => probeEndpoint(endpoint.url, { timeoutMs: 10_000 }));
  if (!probe?.server) return false;
  return ask ? askTrust(pkiDir, endpoint.url, probe.server) : trustCertificate(pkiDir, probe.server.der);
}

async function loaders() {
  const opcua = await opcuaServices();
  const { endpointNameFor } = await coreServices();
  return { ...opcua, endpointNameFor };
}

async function withProgress<T>(title: string, task: () => Promise<T>): Promise<T | undefined> {
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, task);
  } catch (error) {
    const text = (error as { text?: { en: string; "zh-CN": string } }).text;
    void vscode.window.showErrorMessage(text ? inUiLanguage(text) : String((error as Error).message));
    return undefined;
  }
}

async function askUrl(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: vscode.l10n.t("Add OPC UA endpoint"),
    prompt: vscode.l10n.t("The server's address, e.g. opc.tcp://192.168.1.20:4840"),
    value: "opc.tcp://127.0.0.1:4840",
    ignoreFocusOut: true,
    validateInput: (value) => /^opc\.tcp:\/\/[^\s/:]+(:\d+)?(\/\S*)?$/.test(value.trim()) ? undefined : vscode.l10n.t("An OPC UA address starts with opc.tcp:// and names a host, e.g. opc.tcp://plc.local:4840"),
  }).then((value) => value?.trim());
}

async function askSecurity(endpoints: Array<{ securityMode: SecurityMode; securityPolicy: SecurityPolicy }>): Promise<{ mode: SecurityMode; policy: SecurityPolicy } | undefined> {
  const rank = { SignAndEncrypt: 0, Sign: 1, None: 2 } as const;
  const sorted = [...endpoints].sort((a, b) => rank[a.securityMode] - rank[b.securityMode]);
  const picked = await vscode.window.showQuickPick(sorted.map((e) => ({
    label: `${e.securityMode} · ${e.securityPolicy}`,
    description: e.securityMode === "None" ? vscode.l10n.t("not secured: anyone on the network can read and change values") : e.securityMode === "Sign" ? vscode.l10n.t("signed, not encrypted") : vscode.l10n.t("signed and encrypted (recommended)"),
    endpoint: e,
  })), { title: vscode.l10n.t("Security"), placeHolder: vscode.l10n.t("How should Dengta talk to this server?"), ignoreFocusOut: true });
  return picked ? { mode: picked.endpoint.securityMode, policy: picked.endpoint.securityPolicy } : undefined;
}

/** A user (null when cancelled, undefined for anonymous). */
async function askUser(tokens: string[]): Promise<{ name: string; password: string } | undefined | null> {
  if (!tokens.includes("username")) return undefined;
  const anonymous = vscode.l10n.t("Anonymous");
  const withPassword = vscode.l10n.t("User name and password");
  const choice = tokens.includes("anonymous")
    ? await vscode.window.showQuickPick([anonymous, withPassword], { title: vscode.l10n.t("Sign in"), ignoreFocusOut: true })
    : withPassword;
  if (choice === undefined) return null;
  if (choice === anonymous) return undefined;
  const name = await vscode.window.showInputBox({ title: vscode.l10n.t("Sign in"), prompt: vscode.l10n.t("User name"), ignoreFocusOut: true });
  if (!name) return null;
  const password = await vscode.window.showInputBox({ title: vscode.l10n.t("Sign in"), prompt: vscode.l10n.t("Password (kept in VS Code's secret storage, never in a file)"), password: true, ignoreFocusOut: true });
  return password === undefined ? null : { name, password };
}

async function askTrust(pkiDir: string, url: string, server: CertificateInfo & { der: Uint8Array }): Promise<boolean> {
  const { expiryWarning, trustStatus } = await opcuaServices();
  if (trustStatus(pkiDir, Buffer.from(server.der)) === "trusted") return true;
  const warning = expiryWarning(server, Date.now());
  const detail = [
    vscode.l10n.t("Subject: {0}", server.subject),
    vscode.l10n.t("Thumbprint (SHA-1): {0}", server.thumbprint),
    vscode.l10n.t("Valid from {0} to {1}", server.notBefore.slice(0, 10), server.notAfter.slice(0, 10)),
    ...(warning ? [`⚠ ${inUiLanguage(warning)}`] : []),
    "",
    vscode.l10n.t("Compare the thumbprint with the one the server's own screen or its administrator shows before you trust it."),
  ].join("\n");
  const trust = vscode.l10n.t("Trust");
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t("Trust the certificate of {0}?", url), { modal: true, detail }, trust);
  return choice === trust && trustCertificate(pkiDir, server.der);
}

async function trustCertificate(pkiDir: string, der: Uint8Array): Promise<boolean> {
  const { trustServerCertificate } = await opcuaServices();
  await trustServerCertificate(pkiDir, Buffer.from(der));
  return true;
}
