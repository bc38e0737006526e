import { defineBlock, type BlockContext } from "../../runtime/block.ts";
import { imageInput, isImageValue } from "../lib/vision/image.ts";
import { inspect, reason, type RulesConfig } from "../lib/vision/inspect.ts";
import type { Verdict } from "../lib/vision/verdict.ts";

type Config = RulesConfig;

interface State {
  /** A config mistake (ROI outside the picture) is logged once per kind, not once per part. */
  reported: Set<string>;
}

type Ctx = BlockContext<Config, State>;

export default defineBlock<Config, State>({
  createState: () => ({ reported: new Set() }),

  // Always a Promise, also for an ignored message: a synchronous return after an asynchronous one stalls the engine's queue.
  async onMessage(_port, msg, ctx) {
    const image = msg.value;
    if (!isImageValue(image)) {
      ctx.metrics.count("invalid");
      ctx.log.warn({ en: "ignored a message that is not an image (png, jpeg or path, with width and height)", "zh-CN": "忽略了非图像消息（需要 png、jpeg 或 path，以及 width 和 height）" }, { source: msg.source });
      return;
    }
    return judge(ctx, image, msg.ts);
  },
});

async function judge(ctx: Ctx, image: Parameters<typeof imageInput>[0], ts: number): Promise<void> {
  const input = imageInput(image)!;
  const { reasons, measurements } = await inspect(input, ctx.config);
  if (measurements === undefined) reportOnce(ctx, reasons[0] ?? reason("image-unreadable", "the picture cannot be read", "无法读取图像"));
  const pass = reasons.length === 0 && measurements !== undefined;
  ctx.metrics.count(pass ? "passed" : "rejected");
  if (measurements) ctx.metrics.gauge("inspectMs", measurements.inspectMs);
  const verdict: Verdict = { serial: image.serial, pass, reasons, ...(measurements ? { measurements } : {}), ts, image };
  ctx.emit("verdict", verdict, { ts });
}

/** Every such part is rejected (fail safe); the log says why once per reason code. */
function reportOnce(ctx: Ctx, why: { code: string; en: string; "zh-CN": string }): void {
  ctx.metrics.count("unmeasured");
  if (ctx.state.reported.has(why.code)) return;
  ctx.state.reported.add(why.code);
  ctx.log.error({ en: `${why.en}; such parts are rejected`, "zh-CN": `${why["zh-CN"]}；此类工件一律判为不合格` }, { code: why.code });
}
