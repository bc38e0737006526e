import { isAbsolute, join, parse, resolve } from "node:path";
import { BlockError, defineBlock, type BlockContext, type Message } from "../../runtime/block.ts";
import { chooseEndpoint } from "../../runtime/opcua/shared.ts";
import { FolderCamera } from "../lib/vision/folder-camera.ts";
import { fetchSnapshot, snapshotUrl } from "../lib/vision/http-camera.ts";
import { formatOf, imageValue, serialOf, sizeOf, type ImageValue } from "../lib/vision/image.ts";
import { SimulatorCamera } from "../lib/vision/simulator-camera.ts";

interface Config {
  camera: string;
  timeoutMs?: number;
  serialFrom?: "name" | "trigger";
  moveTo?: string;
  pollMs?: number;
  settleMs?: number;
}

interface CameraBinding {
  kind: "folder" | "http" | "simulator";
  path?: string;
  url?: string;
  endpoint?: string;
}

interface State {
  binding?: CameraBinding;
  folder?: FolderCamera;
  simulator?: SimulatorCamera;
  /** Folder kind with serialFrom trigger: serials of triggers still waiting for their file. */
  pendingSerials: string[];
}

type Ctx = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({ pendingSerials: [] }),

  async start(ctx) {
    const binding = (ctx.state.binding = cameraBinding(ctx));
    if (binding.kind === "folder") {
      const folder = resolve(ctx.site.dataDir, requireField(ctx, binding, "path"));
      const moveTo = ctx.config.moveTo === undefined ? undefined : isAbsolute(ctx.config.moveTo) ? ctx.config.moveTo : join(folder, ctx.config.moveTo);
      ctx.state.folder = new FolderCamera(
        { folder, ...(moveTo ? { moveTo } : {}), pollMs: ctx.config.pollMs ?? 1000, settleMs: ctx.config.settleMs ?? 50 },
        ctx,
        (file) => sendFile(ctx, file.name, file.path, file.bytes),
      );
      await ctx.state.folder.start();
    } else if (binding.kind === "http") {
      requireField(ctx, binding, "url");
    } else {
      ctx.state.simulator = new SimulatorCamera(chooseEndpoint(ctx, binding.endpoint));
      ctx.state.simulator.start(ctx);
    }
  },

  // Always a Promise, also for the folder kind: a synchronous return after an asynchronous one stalls the engine's queue.
  async onMessage(_port, msg, ctx) {
    const kind = ctx.state.binding!.kind;
    if (kind === "folder") return queueSerial(ctx, msg);
    return kind === "http" ? snapshot(ctx, msg) : fromSimulator(ctx, msg);
  },

  async stop(ctx) {
    await ctx.state.folder?.stop();
    await ctx.state.simulator?.stop();
  },
});

function cameraBinding(ctx: Ctx): CameraBinding {
  const name = ctx.config.camera;
  const binding = ctx.site.cameras[name] as CameraBinding | undefined;
  if (binding === undefined) {
    const known = Object.keys(ctx.site.cameras).join(", ") || "-";
    throw new BlockError({ en: `the binding has no camera '${name}' (it has: ${known})`, "zh-CN": `绑定中没有相机 '${name}'（已有：${known}）` });
  }
  if (!["folder", "http", "simulator"].includes(binding.kind)) {
    throw new BlockError({ en: `camera '${name}' has an unknown kind '${String(binding.kind)}'`, "zh-CN": `相机 '${name}' 的类型 '${String(binding.kind)}' 未知` });
  }
  return binding;
}

function requireField(ctx: Ctx, binding: CameraBinding, field: "path" | "url"): string {
  const value = binding[field];
  if (typeof value === "string" && value !== "") return value;
  throw new BlockError({
    en: `camera '${ctx.config.camera}' of kind ${binding.kind} needs '${field}' in the binding`,
    "zh-CN": `类型为 ${binding.kind} 的相机 '${ctx.config.camera}' 需要在绑定中填写 '${field}'`,
  });
}

function queueSerial(ctx: Ctx, msg: Message): void {
  if ((ctx.config.serialFrom ?? "name") !== "trigger") {
    ctx.metrics.count("triggersIgnored");
    return;
  }
  ctx.state.pendingSerials.push(serialOf(msg.value) ?? "");
  // A camera that never writes must not make the list grow without end.
  if (ctx.state.pendingSerials.length > 1000) ctx.state.pendingSerials.shift();
}

function sendFile(ctx: Ctx, name: string, path: string, bytes: Buffer): void {
  const byTrigger = ctx.config.serialFrom === "trigger";
  const fromTrigger = byTrigger ? ctx.state.pendingSerials.shift() : undefined;
  if (byTrigger && fromTrigger === undefined) ctx.metrics.count("untriggered");
  const serial = fromTrigger || parse(name).name;
  send(ctx, bytes, { path, serial, ts: ctx.clock.now() });
}

async function snapshot(ctx: Ctx, msg: Message): Promise<void> {
  const serial = serialOf(msg.value) ?? "";
  const url = snapshotUrl(ctx.state.binding!.url!, serial);
  try {
    const { bytes } = await fetchSnapshot(url, ctx.config.timeoutMs ?? 5000);
    send(ctx, bytes, { serial, ts: ctx.clock.now() });
  } catch (error) {
    if (!(error instanceof BlockError)) throw error;
    missed(ctx, serial, msg.ts, "camera-failed", error.text);
  }
}

async function fromSimulator(ctx: Ctx, msg: Message): Promise<void> {
  const serial = serialOf(msg.value);
  const timeoutMs = ctx.config.timeoutMs ?? 5000;
  const picture = await ctx.state.simulator!.picture(serial, msg.ts, timeoutMs);
  if (picture) {
    send(ctx, picture.png, { serial: picture.serial, ts: picture.ts });
    return;
  }
  const which = serial !== undefined ? `part ${serial}` : `the part at ${new Date(msg.ts).toISOString()}`;
  const whichZh = serial !== undefined ? `工件 ${serial}` : `${new Date(msg.ts).toISOString()} 的工件`;
  const offline = ctx.state.simulator!.isOnline() ? "" : " (not connected)";
  missed(ctx, serial ?? "", msg.ts, "no-picture", {
    en: `no picture of ${which} from camera '${ctx.config.camera}' within ${timeoutMs} ms${offline}`,
    "zh-CN": `相机 '${ctx.config.camera}' 在 ${timeoutMs} 毫秒内没有${whichZh}的图像${offline ? "（未连接）" : ""}`,
  });
}

function send(ctx: Ctx, bytes: Buffer, part: { path?: string; serial: string; ts: number }): void {
  const format = formatOf(bytes);
  const size = sizeOf(bytes);
  if (format === undefined || size === undefined) {
    ctx.metrics.count("invalid");
    missed(ctx, part.serial, part.ts, "not-a-picture", {
      en: `camera '${ctx.config.camera}' gave ${bytes.length} bytes that are not a PNG or JPEG picture`,
      "zh-CN": `相机 '${ctx.config.camera}' 给出的 ${bytes.length} 字节不是 PNG 或 JPEG 图像`,
    });
    return;
  }
  const image: ImageValue = imageValue({
    ...(format === "png" ? { png: bytes } : { jpeg: bytes }),
    ...(part.path !== undefined ? { path: part.path } : {}),
    width: size.width, height: size.height, serial: part.serial, ts: part.ts, camera: ctx.config.camera,
  });
  ctx.metrics.count("images");
  ctx.emit("image", image, { ts: part.ts });
}

/** A part without a picture: logged, counted, and sent on `missed` so the APP can reject it (fail safe). */
function missed(ctx: Ctx, serial: string, ts: number, code: string, text: { en: string; "zh-CN": string }): void {
  ctx.metrics.count("missed");
  ctx.log.warn(text, { camera: ctx.config.camera, serial });
  ctx.emit("missed", { serial, camera: ctx.config.camera, code, en: text.en, "zh-CN": text["zh-CN"], ts }, { ts, quality: "bad" });
}
