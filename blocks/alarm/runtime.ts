import { defineBlock, type BlockContext, type Message } from "../../runtime/block.ts";

interface Config {
  name: string;
  severity?: "low" | "medium" | "high" | "critical";
  message: { en: string; "zh-CN": string };
}

/** ISA-18.2: normal; active and not yet acknowledged; active and acknowledged; back to normal but not yet acknowledged. */
type AlarmState = "normal" | "unacknowledged" | "acknowledged" | "cleared-unacknowledged";
type Transition = "raised" | "acknowledged" | "cleared" | "reset";

interface State {
  state: AlarmState;
}

type Ctx = BlockContext<Config, State>;

/** Where each input takes each state; a pair not listed changes nothing. */
const NEXT: Record<AlarmState, { on?: [AlarmState, Transition]; off?: [AlarmState, Transition]; ack?: [AlarmState, Transition] }> = {
  normal: { on: ["unacknowledged", "raised"] },
  unacknowledged: { ack: ["acknowledged", "acknowledged"], off: ["cleared-unacknowledged", "cleared"] },
  acknowledged: { off: ["normal", "cleared"] },
  "cleared-unacknowledged": { ack: ["normal", "reset"], on: ["unacknowledged", "raised"] },
};

export default defineBlock<Config, State>({
  createState: () => ({ state: "normal" }),

  start(ctx) {
    // An alarm survives a restart of the box: an unacknowledged one stays unacknowledged.
    ctx.state.state = ctx.store.get<AlarmState>("state") ?? "normal";
  },

  onMessage(port, msg, ctx) {
    if (port === "condition") return step(ctx, msg, msg.value === true ? "on" : "off", undefined);
    step(ctx, msg, "ack", acknowledgedBy(msg.value));
  },
});

function step(ctx: Ctx, msg: Message, input: "on" | "off" | "ack", by: string | undefined): void {
  const next = NEXT[ctx.state.state][input];
  if (next === undefined) {
    if (input === "ack") ctx.metrics.count("ackIgnored");
    return;
  }
  const [state, transition] = next;
  ctx.state.state = state;
  ctx.store.set("state", state);
  ctx.metrics.count(transition);
  const { name, message } = ctx.config;
  const severity = ctx.config.severity ?? "medium";
  const event = {
    alarm: name, severity, message, transition, state,
    active: state === "unacknowledged" || state === "acknowledged",
    acknowledged: state === "acknowledged" || state === "normal",
    ...(by ? { by } : {}),
  };
  ctx.emit("event", event, { ts: msg.ts, quality: msg.quality });
  const words = { raised: ["raised", "触发"], acknowledged: ["acknowledged", "已确认"], cleared: ["cleared", "解除"], reset: ["reset", "复位"] }[transition];
  ctx.log.info({ en: `alarm ${name} ${words[0]}${by ? ` by ${by}` : ""}`, "zh-CN": `报警 ${name} ${words[1]}${by ? `（${by}）` : ""}` }, { severity });
}

function acknowledgedBy(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  const by = (value as { by?: unknown } | null)?.by;
  return typeof by === "string" && by !== "" ? by : undefined;
}
