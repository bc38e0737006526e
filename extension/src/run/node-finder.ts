// The Node that runs the simulator and an APP's bundle: the one the user named in the
// `dengta.nodePath` setting, else VS Code's own runtime when it is new enough. Without vscode, so a
// unit test can try every branch.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { text, type Text } from "../../../runtime/opcua/text.ts";

/** The oldest Node the bundles and the CLI are built for (esbuild target node22.13). */
export const MINIMUM_NODE = "22.13.0";

const VERSION_TIMEOUT_MS = 5000;

export interface NodeQuestion {
  /** The `dengta.nodePath` setting, already trimmed; empty or absent means "not set". */
  setting?: string;
  /** The host's executable: VS Code's Electron, or Node when the host is Node. */
  execPath: string;
  /** The host's Node version, `process.versions.node`. */
  nodeVersion: string;
  /** True when `execPath` is Electron, which runs as Node only with ELECTRON_RUN_AS_NODE=1. */
  isElectron: boolean;
}

export type FoundNode =
  | { ok: true; command: string; env: Record<string, string>; version: string; source: "setting" | "host" }
  | { ok: false; message: Text };

export function findNode(question: NodeQuestion): FoundNode {
  const setting = question.setting?.trim();
  if (setting) return nodeFromSetting(setting);
  if (isAtLeast(question.nodeVersion, MINIMUM_NODE)) {
    return {
      ok: true, command: question.execPath, version: question.nodeVersion, source: "host",
      env: question.isElectron ? { ELECTRON_RUN_AS_NODE: "1" } : {},
    };
  }
  return { ok: false, message: hostTooOld(question.nodeVersion) };
}

function nodeFromSetting(path: string): FoundNode {
  if (!existsSync(path)) {
    return fail(
      `The dengta.nodePath setting names ${path}, which does not exist. ${HOW_TO_GET_NODE.en}`,
      `设置 dengta.nodePath 指向 ${path}，但该文件不存在。${HOW_TO_GET_NODE["zh-CN"]}`,
    );
  }
  if (statSync(path).isDirectory()) {
    return fail(
      `The dengta.nodePath setting names the folder ${path}; it needs the node program itself (for example ${path}/bin/node, or node.exe on Windows).`,
      `设置 dengta.nodePath 指向文件夹 ${path}；它需要 node 程序本身（例如 ${path}/bin/node，Windows 上为 node.exe）。`,
    );
  }
  // No shell: the path is run as it is, whatever characters it holds.
  const result = spawnSync(path, ["--version"], { encoding: "utf8", timeout: VERSION_TIMEOUT_MS, windowsHide: true });
  const output = `${result.stdout ?? ""}`.trim();
  const version = parseNodeVersion(output);
  if (result.error || result.status !== 0 || version === undefined) {
    const said = result.error ? result.error.message : output === "" ? "nothing" : `"${firstLine(output)}"`;
    const saidZh = result.error ? result.error.message : output === "" ? "没有输出" : `“${firstLine(output)}”`;
    return fail(
      `The dengta.nodePath setting names ${path}, which is not Node.js: \`${path} --version\` gave ${said}. ${HOW_TO_GET_NODE.en}`,
      `设置 dengta.nodePath 指向 ${path}，但它不是 Node.js：\`${path} --version\` 的结果为${saidZh}。${HOW_TO_GET_NODE["zh-CN"]}`,
    );
  }
  if (!isAtLeast(version, MINIMUM_NODE)) {
    return fail(
      `The dengta.nodePath setting names ${path}, which is Node ${version}; Dengta needs Node ${MINIMUM_NODE} or newer. ${HOW_TO_GET_NODE.en}`,
      `设置 dengta.nodePath 指向 ${path}，其版本为 Node ${version}；灯塔需要 Node ${MINIMUM_NODE} 或更新版本。${HOW_TO_GET_NODE["zh-CN"]}`,
    );
  }
  return { ok: true, command: path, env: {}, version, source: "setting" };
}

function hostTooOld(hostVersion: string): Text {
  return text(
    `Running an APP needs Node.js ${MINIMUM_NODE} or newer; VS Code's own runtime is Node ${hostVersion}. ${HOW_TO_GET_NODE.en}`,
    `运行 APP 需要 Node.js ${MINIMUM_NODE} 或更新版本；VS Code 自带的运行时为 Node ${hostVersion}。${HOW_TO_GET_NODE["zh-CN"]}`,
  );
}

const HOW_TO_GET_NODE = text(
  "Install Node 22 LTS or 24 LTS from https://nodejs.org (in China also the mirror https://npmmirror.com/mirrors/node/), then set dengta.nodePath to its node program.",
  "请安装 Node 22 LTS 或 24 LTS（https://nodejs.org，或国内镜像 https://npmmirror.com/mirrors/node/），然后将 dengta.nodePath 设置为其中的 node 程序。",
);

/** "v24.1.0" → "24.1.0"; anything else → undefined. */
export function parseNodeVersion(output: string): string | undefined {
  return /^v?(\d+\.\d+\.\d+)(?:[-+][\w.-]*)?$/.exec(output.trim())?.[1];
}

export function isAtLeast(version: string, minimum: string): boolean {
  const a = version.split(".").map(Number);
  const b = minimum.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (!Number.isFinite(x)) return false;
    if (x !== y) return x > y;
  }
  return true;
}

function firstLine(output: string): string {
  const line = output.split(/\r?\n/, 1)[0] ?? "";
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

function fail(en: string, zh: string): FoundNode {
  return { ok: false, message: text(en, zh) };
}
