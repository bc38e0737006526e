import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findNode, isAtLeast, parseNodeVersion } from "./node-finder.ts";

const folder = mkdtempSync(join(tmpdir(), "dengta-node-finder-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A program that answers `--version` the way we tell it to. */
function fakeNode(name: string, script: string): string {
  const file = join(folder, name);
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

const oldHost = { execPath: "/opt/vscode/code", nodeVersion: "20.18.1", isElectron: true };
const posix = process.platform === "win32" ? it.skip : it;

describe("findNode", () => {
  it("uses the real Node named in the setting", () => {
    const found = findNode({ ...oldHost, setting: process.execPath });
    expect(found).toEqual({ ok: true, command: process.execPath, env: {}, version: process.versions.node, source: "setting" });
  });

  posix("uses a setting's Node that reports a new enough version", () => {
    const node = fakeNode("node-24", 'echo "v24.3.0"');
    expect(findNode({ ...oldHost, setting: `  ${node} ` })).toMatchObject({ ok: true, command: node, version: "24.3.0", source: "setting" });
  });

  it("says when the setting's file does not exist, in both languages", () => {
    const missing = join(folder, "no-such-node");
    const found = findNode({ ...oldHost, setting: missing });
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.message.en).toContain(`${missing}, which does not exist`);
    expect(found.message["zh-CN"]).toContain(`${missing}，但该文件不存在`);
  });

  it("says when the setting names a folder", () => {
    const found = findNode({ ...oldHost, setting: folder });
    expect(found).toMatchObject({ ok: false, message: { en: expect.stringContaining(`the folder ${folder}`), "zh-CN": expect.stringContaining(`文件夹 ${folder}`) } });
  });

  posix("says when the setting's program is not Node, with what it printed", () => {
    const python = fakeNode("python", 'echo "Python 3.12.1"');
    const found = findNode({ ...oldHost, setting: python });
    expect(found).toMatchObject({ ok: false });
    if (found.ok) return;
    expect(found.message.en).toContain(`${python}, which is not Node.js`);
    expect(found.message.en).toContain('"Python 3.12.1"');
    expect(found.message["zh-CN"]).toContain("不是 Node.js");
    expect(found.message["zh-CN"]).toContain("Python 3.12.1");
  });

  posix("says when the setting's program fails", () => {
    const broken = fakeNode("broken", "exit 3");
    const found = findNode({ ...oldHost, setting: broken });
    expect(found).toMatchObject({ ok: false, message: { en: expect.stringContaining("gave nothing"), "zh-CN": expect.stringContaining("没有输出") } });
  });

  posix("says when the setting's program cannot be run", () => {
    const file = join(folder, "not-executable");
    writeFileSync(file, "v24.0.0\n");
    chmodSync(file, 0o644);
    const found = findNode({ ...oldHost, setting: file });
    expect(found).toMatchObject({ ok: false, message: { en: expect.stringContaining("is not Node.js") } });
  });

  posix("says when the setting's Node is too old, naming the version found", () => {
    const old = fakeNode("node-18", 'echo "v18.20.4"');
    const found = findNode({ ...oldHost, setting: old });
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.message.en).toContain(`${old}, which is Node 18.20.4; Dengta needs Node 22.13.0 or newer`);
    expect(found.message["zh-CN"]).toContain("Node 18.20.4");
    expect(found.message["zh-CN"]).toContain("22.13.0");
  });

  it("without a setting, runs VS Code's Electron as Node when it is new enough", () => {
    const found = findNode({ execPath: "/opt/vscode/code", nodeVersion: "22.15.1", isElectron: true });
    expect(found).toEqual({ ok: true, command: "/opt/vscode/code", env: { ELECTRON_RUN_AS_NODE: "1" }, version: "22.15.1", source: "host" });
  });

  it("treats an empty setting as none, and a host that is Node needs no environment", () => {
    const found = findNode({ setting: "  ", execPath: process.execPath, nodeVersion: process.versions.node, isElectron: false });
    expect(found).toEqual({ ok: true, command: process.execPath, env: {}, version: process.versions.node, source: "host" });
  });

  it("without a setting and with an old host, says what is needed, what the host has and how to get Node", () => {
    const found = findNode(oldHost);
    expect(found.ok).toBe(false);
    if (found.ok) return;
    for (const words of [found.message.en, found.message["zh-CN"]]) {
      expect(words).toContain("22.13");
      expect(words).toContain("20.18.1");
      expect(words).toContain("nodejs.org");
      expect(words).toContain("npmmirror.com");
      expect(words).toContain("dengta.nodePath");
    }
  });
});

describe("versions", () => {
  it("reads what node --version prints", () => {
    expect(parseNodeVersion("v22.13.0\n")).toBe("22.13.0");
    expect(parseNodeVersion("v25.0.0-nightly20250101abc")).toBe("25.0.0");
    expect(parseNodeVersion("Python 3.12.1")).toBeUndefined();
    expect(parseNodeVersion("")).toBeUndefined();
  });

  it("compares part by part, not as text", () => {
    expect(isAtLeast("22.13.0", "22.13.0")).toBe(true);
    expect(isAtLeast("22.9.0", "22.13.0")).toBe(false);
    expect(isAtLeast("23.0.0", "22.13.0")).toBe(true);
    expect(isAtLeast("22.12.9", "22.13.0")).toBe(false);
    expect(isAtLeast("100.0.0", "22.13.0")).toBe(true);
  });
});
