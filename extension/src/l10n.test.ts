// Every string the extension shows exists in English and Chinese.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const extension = join(import.meta.dirname, "..");
const json = (file: string) => JSON.parse(readFileSync(join(extension, file), "utf8")) as Record<string, unknown>;

describe("the extension's words", () => {
  it("has a Chinese translation of every vscode.l10n.t message", () => {
    const bundle = json("l10n/bundle.l10n.zh-cn.json");
    const sources = readdirSync(join(extension, "src"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    const messages = sources.flatMap((f) => [...readFileSync(join(extension, "src", f), "utf8").matchAll(/l10n\.t\(\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string));
    expect(messages.length).toBeGreaterThan(5);
    expect(messages.filter((m) => typeof bundle[m] !== "string")).toEqual([]);
  });

  it("names every %key% of the manifest in package.nls.json and package.nls.zh-cn.json", () => {
    const manifest = readFileSync(join(extension, "manifest.json"), "utf8");
    const keys = [...manifest.matchAll(/"%([\w.]+)%"/g)].map((m) => m[1]!);
    const en = json("package.nls.json");
    const zh = json("package.nls.zh-cn.json");
    expect(keys.filter((k) => typeof en[k] !== "string" || typeof zh[k] !== "string")).toEqual([]);
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });

  it("has every walkthrough page in both languages", () => {
    const en = json("package.nls.json");
    const zh = json("package.nls.zh-cn.json");
    const pages = Object.keys(en).filter((k) => /^walkthrough\.\w+\.media$/.test(k));
    expect(pages.length).toBe(5);
    for (const key of pages) {
      expect(readFileSync(join(extension, en[key] as string), "utf8")).toMatch(/^# \w/);
      expect(readFileSync(join(extension, zh[key] as string), "utf8")).toMatch(/^# [\u4e00-\u9fff]/);
    }
  });
});
