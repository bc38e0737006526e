// A camera with a snapshot URL: one GET per trigger.
import { BlockError } from "../../../runtime/block.ts";
import { formatOf, type ImageFormat } from "./image.ts";
import { messageOf } from "./folder-camera.ts";

export interface Snapshot {
  bytes: Buffer;
  format: ImageFormat;
}

/** `{serial}` in the URL becomes the part's serial, for cameras that file pictures by part. */
export function snapshotUrl(url: string, serial: string): string {
  return url.replaceAll("{serial}", encodeURIComponent(serial));
}

/** The picture, or a BlockError in both languages: timeout, refused, not 200, not a PNG or JPEG. */
export async function fetchSnapshot(url: string, timeoutMs: number): Promise<Snapshot> {
  let response: Response;
  try {
    // Network waits follow wall time whatever clock the APP runs on, like OPC UA's.
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "image/png, image/jpeg" } });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : messageOf(error);
    throw timedOut
      ? new BlockError({ en: `camera ${url} did not answer within ${timeoutMs} ms`, "zh-CN": `相机 ${url} 在 ${timeoutMs} 毫秒内无应答` })
      : new BlockError({ en: `cannot reach camera ${url}: ${cause}`, "zh-CN": `无法连接相机 ${url}：${cause}` });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new BlockError({ en: `camera ${url} answered ${response.status} ${response.statusText}`, "zh-CN": `相机 ${url} 返回 ${response.status} ${response.statusText}` });
  }
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new BlockError({ en: `camera ${url} broke off the picture: ${messageOf(error)}`, "zh-CN": `相机 ${url} 传输图像中断：${messageOf(error)}` });
  }
  const format = formatOf(bytes);
  if (format === undefined) {
    const type = response.headers.get("content-type") ?? "-";
    throw new BlockError({
      en: `camera ${url} sent ${bytes.length} bytes of ${type}, not a PNG or JPEG picture`,
      "zh-CN": `相机 ${url} 返回了 ${bytes.length} 字节的 ${type}，不是 PNG 或 JPEG 图像`,
    });
  }
  return { bytes, format };
}
