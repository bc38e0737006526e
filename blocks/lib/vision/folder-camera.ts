// A camera that drops picture files into a folder: each new, completely written PNG or JPEG is
// handed over once, oldest first. fs.watch reacts at once; a poll on the APP's clock catches
// what watching misses (network shares, some container mounts, a watcher that died).
import { watch, type FSWatcher } from "node:fs";
import { mkdir, readdir, readFile, rename, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import type { Clock, Log, Metrics, TimerHandle } from "../../../runtime/block.ts";
import { isComplete } from "./image.ts";

export interface FolderCameraOptions {
  folder: string;
  /** Processed files are moved here; without it they stay and files present at start are skipped. */
  moveTo?: string;
  pollMs: number;
  /** A file's size must stay the same for this long before it is read. */
  settleMs: number;
  /** false: look only by polling (tests; folders where change events never come). */
  watch?: boolean;
}

export interface PictureFile {
  name: string;
  /** Where the file is after handing over (in moveTo when set). */
  path: string;
  bytes: Buffer;
}

interface Candidate {
  size: number;
  mtimeMs: number;
}

const PICTURE = /\.(png|jpe?g)$/i;

export class FolderCamera {
  private watcher: FSWatcher | undefined;
  private poll: TimerHandle | undefined;
  private settle: TimerHandle | undefined;
  private readonly seen = new Set<string>();
  private readonly candidates = new Map<string, Candidate>();
  private scanning: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly options: FolderCameraOptions,
    private readonly host: { clock: Clock; log: Log; metrics: Metrics },
    private readonly deliver: (file: PictureFile) => Promise<void> | void,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.options.folder, { recursive: true });
    if (this.options.moveTo !== undefined) await mkdir(this.options.moveTo, { recursive: true });
    else for (const name of await this.pictureNames()) this.seen.add(name);
    if (this.options.watch !== false) this.startWatching();
    this.poll = this.host.clock.setInterval(() => this.scanSoon(), this.options.pollMs);
    this.scanSoon();
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.options.folder, { persistent: false }, () => this.scanSoon());
      this.watcher.on("error", (error) => this.watchFailed(error));
    } catch (error) {
      this.watchFailed(error);
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    if (this.poll) this.host.clock.clear(this.poll);
    if (this.settle) this.host.clock.clear(this.settle);
    await this.scanning;
  }

  /** Scans now, or once more after the scan under way: never two at once, never a change missed. */
  scanSoon(): void {
    if (this.closed) return;
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = this.scan()
      .catch((error: unknown) => this.host.log.warn({
        en: `cannot read camera folder ${this.options.folder}: ${messageOf(error)}`,
        "zh-CN": `无法读取相机目录 ${this.options.folder}：${messageOf(error)}`,
      }))
      .finally(() => {
        this.scanning = undefined;
        if (this.again) {
          this.again = false;
          this.scanSoon();
        }
      });
  }

  private async scan(): Promise<void> {
    const names = await this.pictureNames();
    const present = new Set(names);
    // A file deleted by someone else may come back under the same name: it is new then.
    for (const name of this.seen) if (!present.has(name)) this.seen.delete(name);
    const ready: Array<{ name: string; mtimeMs: number; bytes: Buffer }> = [];
    for (const name of names) {
      if (this.seen.has(name)) continue;
      const info = await stat(join(this.options.folder, name)).catch(() => undefined);
      if (info === undefined || !info.isFile()) continue;
      const before = this.candidates.get(name);
      const now = { size: info.size, mtimeMs: info.mtimeMs };
      this.candidates.set(name, now);
      if (before === undefined || before.size !== now.size || before.mtimeMs !== now.mtimeMs || now.size === 0) continue;
      const bytes = await readFile(join(this.options.folder, name)).catch(() => undefined);
      if (bytes === undefined || bytes.length !== now.size || !isComplete(bytes)) continue;
      ready.push({ name, mtimeMs: now.mtimeMs, bytes });
    }
    for (const name of this.candidates.keys()) if (!present.has(name) || this.seen.has(name)) this.candidates.delete(name);
    ready.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const file of ready) {
      if (this.closed) return;
      this.candidates.delete(file.name);
      this.seen.add(file.name);
      const path = await this.moveAway(file.name);
      await this.deliver({ name: file.name, path, bytes: file.bytes });
    }
    // Files still being written (or just seen once) get a second look after settleMs.
    if (this.candidates.size > 0 && this.settle === undefined && !this.closed) {
      this.settle = this.host.clock.setTimeout(() => {
        this.settle = undefined;
        this.scanSoon();
      }, this.options.settleMs);
    }
  }

  private async moveAway(name: string): Promise<string> {
    const from = join(this.options.folder, name);
    if (this.options.moveTo === undefined) return from;
    const to = await freeName(this.options.moveTo, name);
    try {
      await rename(from, to);
      this.seen.delete(name);
      return to;
    } catch (error) {
      this.host.metrics.count("moveFailed");
      this.host.log.warn({
        en: `cannot move ${from} to ${to}: ${messageOf(error)}; the file stays and is not read again`,
        "zh-CN": `无法将 ${from} 移动到 ${to}：${messageOf(error)}；文件保留在原处，不会再次读取`,
      });
      return from;
    }
  }

  private async pictureNames(): Promise<string[]> {
    return (await readdir(this.options.folder)).filter((name) => PICTURE.test(name) && !name.startsWith("."));
  }

  private watchFailed(error: unknown): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.host.log.warn({
      en: `cannot watch camera folder ${this.options.folder} (${messageOf(error)}); looking every ${this.options.pollMs} ms instead`,
      "zh-CN": `无法监视相机目录 ${this.options.folder}（${messageOf(error)}）；改为每 ${this.options.pollMs} 毫秒查看一次`,
    });
  }
}

/** `name`, or `name-1`, `name-2`… when the target folder has one already. */
async function freeName(folder: string, name: string): Promise<string> {
  const extension = extname(name);
  const stem = name.slice(0, name.length - extension.length);
  for (let n = 0; ; n++) {
    const candidate = join(folder, n === 0 ? name : `${stem}-${n}${extension}`);
    if ((await stat(candidate).catch(() => undefined)) === undefined) return candidate;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
