// Native packages for a bundle from an npm registry, by a list pinned to package-lock.json
// (native-package-list.ts): how the extension, which has no node_modules and may find no npm,
// builds bundles that carry sharp or onnxruntime-node. Each .tgz is checked against its sha512
// before it is unpacked, into the cache registry-package.ts fills too.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { UserError } from "../user-error.ts";
import type { PackageSource } from "./native.ts";
import type { LockedPackage } from "./native-package-list.ts";
import { cachedPackage } from "./registry-package.ts";

export interface LockedSource {
  /** Base URL of an npm registry: https://registry.npmjs.org, https://registry.npmmirror.com. */
  registry: string;
  locked: readonly LockedPackage[];
  /** Told before each download; a package already in the cache is not downloaded. */
  onDownload?: (name: string, version: string) => void;
}

/** A whole onnxruntime-node (every platform's binaries) is over 100 MB: slow links need minutes. */
const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;

export function lockedPackages(source: LockedSource): PackageSource {
  return async (name) => {
    const locked = source.locked.find((p) => p.name === name);
    if (locked === undefined) {
      throw new UserError(`cannot carry ${name} into the bundle: it is not in the list of packages this Dengta was built with`,
        `无法把 ${name} 放入边缘包：它不在本 Dengta 构建时给出的包清单中`);
    }
    return cachedPackage(name, locked.version, (work) => download(locked, source, work));
  };
}

/** The checked .tgz, written into `work`: streamed, since onnxruntime-node's is over 100 MB. */
async function download(locked: LockedPackage, source: LockedSource, work: string): Promise<string> {
  source.onDownload?.(locked.name, locked.version);
  const tgz = join(work, "package.tgz");
  const integrity = await fetchTarball(locked, source.registry, tgz);
  if (!locked.integrity.split(/\s+/).includes(integrity)) {
    throw new UserError(`${spec(locked)} from ${source.registry} is not the package Dengta was built with (its sha512 differs); it was not unpacked`,
      `从 ${source.registry} 下载的 ${spec(locked)} 与 Dengta 构建时的包不一致（sha512 不同），未解包`);
  }
  return tgz;
}

/** Downloads into `file`; its sha512, as Subresource Integrity. */
async function fetchTarball(locked: LockedPackage, registry: string, file: string): Promise<string> {
  const url = `${registry.replace(/\/+$/, "")}${locked.path}`;
  const hash = createHash("sha512");
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (response.status !== 200 || response.body === null) {
      await response.body?.cancel();
      throw new UserError(`the npm registry ${registry} answered ${response.status} ${response.statusText} for ${spec(locked)} (${url})`,
        `npm 仓库 ${registry} 对 ${spec(locked)} 的回应是 ${response.status} ${response.statusText}（${url}）`);
    }
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), async function* (chunks: AsyncIterable<Uint8Array>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        yield chunk;
      }
    }, createWriteStream(file));
  } catch (error) {
    throw error instanceof UserError ? error : unreachable(registry, locked, error);
  }
  return `sha512-${hash.digest("base64")}`;
}

function unreachable(registry: string, locked: LockedPackage, error: unknown): UserError {
  const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
  return new UserError(
    `cannot reach the npm registry ${registry} to download ${spec(locked)} (${reason}). Choose another registry in the setting dengta.npmRegistry; in China, try https://registry.npmmirror.com`,
    `无法连接 npm 仓库 ${registry} 下载 ${spec(locked)}（${reason}）。请在设置 dengta.npmRegistry 中换一个仓库；在中国大陆可使用 https://registry.npmmirror.com`);
}

function spec(locked: LockedPackage): string {
  return `${locked.name}@${locked.version}`;
}
