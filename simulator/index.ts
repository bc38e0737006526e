import { Camera } from "./camera/image.ts";
import { BENCH_COUNTER_NODE, BenchCounter } from "./server/bench-counter.ts";
import { benchVariableNode, BenchVariables, type BenchVariablesOptions } from "./server/bench-variables.ts";
import { parseFault, type FaultSpec } from "./model/faults.ts";
import { Line, type GroundTruth, type StationPart } from "./model/line.ts";
import { Pacer } from "./pacer.ts";
import { buildAddressSpace, NAMESPACE_URI, type ClientWrites, type SimAddressSpace } from "./server/address-space.ts";
import { launchServer, type LaunchedServer, type ServerSettings } from "./server/opcua-server.ts";

export { parseFault, NAMESPACE_URI, BENCH_COUNTER_NODE, benchVariableNode };
export type { FaultSpec, GroundTruth, BenchVariablesOptions };

export interface SimulatorOptions {
  host?: string;
  /** 0 = any free port; a restart comes back on the port first taken. */
  port?: number;
  seed?: number;
  /** Model time runs this many times faster than wall time. */
  speed?: number;
  /** Model epoch in ms; default 2026-01-05 08:00 Asia/Shanghai. */
  startTime?: number;
  pkiDir: string;
  faults?: FaultSpec[];
  users?: Array<{ name: string; password: string }>;
  /**
   * The line stands still at its start time until `release()`: a client sees the whole run from
   * its first second, however long it takes to connect and subscribe.
   */
  held?: boolean;
  /** Model time (ms) at which the line stops, exactly, with the server still up: the end of a run. */
  pauseAt?: number;
  /**
   * For benchmarks: adds `s=Bench.Counter` (UInt32), which counts up this many times a second of
   * wall time, each change stamped with the wall-clock time it was made as source timestamp.
   */
  benchRateHz?: number;
  /**
   * For benchmarks: adds `count` UInt32 variables `s=Bench.V0…` that all change every `intervalMs`
   * of wall time (one timer), each change stamped with the wall-clock time it was made.
   */
  benchVariables?: BenchVariablesOptions;
  /** Things an operator should hear about, such as a restart, in both languages. */
  onNotice?(notice: { en: string; zh: string }): void;
}

export interface RunningSimulator {
  endpointUrl: string;
  namespaceUri: string;
  modelNow(): number;
  truth(): GroundTruth;
  /** Resolves when the line has reached `pauseAt`. */
  paused: Promise<void>;
  /** Starts a line created `held`; does nothing after the first call or without `held`. */
  release(): void;
  certificateThumbprint: string;
  /** How many times the bench variables have all changed so far (0 without `benchVariables`). */
  benchTicks(): number;
  stop(): Promise<void>;
}

export const DEFAULT_START_TIME = Date.UTC(2026, 0, 5, 0, 0);

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const seed = options.seed ?? 1;
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`speed must be > 0 / 速度必须大于 0: ${speed}`);
  const writes: ClientWrites = { rejectSerial: "", reject: false };
  const camera = new Camera(seed);
  let view: SimAddressSpace | undefined;
  let pictures = Promise.resolve();
  let restarting: Promise<void> = Promise.resolve();
  let stopped = false;

  const line = new Line({ seed, startTime: options.startTime ?? DEFAULT_START_TIME, faults: options.faults }, {
    // Pictures are encoded one after another, so they reach clients in part order.
    part: (part: StationPart) => { pictures = pictures.then(() => showPicture(part)); },
    restart: () => { restarting = restart(); },
  });
  const showPicture = async (part: StationPart) => {
    const png = await camera.picture(part);
    view?.showPicture(part, png);
  };
  const settings: ServerSettings = { host: options.host ?? "127.0.0.1", port: options.port ?? 4840, pkiDir: options.pkiDir, users: options.users ?? [] };
  const benchCounter = options.benchRateHz === undefined ? undefined : new BenchCounter(options.benchRateHz);
  const benchVariables = options.benchVariables === undefined ? undefined : new BenchVariables(options.benchVariables);
  const launch = () => launchServer(settings, (addressSpace) => {
    view = buildAddressSpace(addressSpace, line, writes, { seed, speed });
    view.publish();
    benchCounter?.attach(addressSpace);
    benchVariables?.attach(addressSpace);
  });

  let server: LaunchedServer | undefined = await launch();
  settings.port = server.port;
  const first = server;
  const restart = async () => {
    options.onNotice?.({ en: `OPC UA server restarting (fault) at ${new Date(line.now()).toISOString()}`, zh: `OPC UA 服务器重启（注入故障），模型时间 ${new Date(line.now()).toISOString()}` });
    view = undefined;
    benchCounter?.detach();
    benchVariables?.detach();
    const old = server;
    server = undefined;
    await old?.stop();
    if (stopped) return;
    server = await launch();
    options.onNotice?.({ en: `OPC UA server back on ${server.endpointUrl}`, zh: `OPC UA 服务器已恢复：${server.endpointUrl}` });
  };
  let onPause: () => void = () => {};
  const paused = new Promise<void>((resolve) => { onPause = resolve; });
  const pacer = new Pacer(line, speed, () => view?.publish(), options.pauseAt, () => onPause());
  let held = options.held === true;
  if (!held) pacer.start();
  benchCounter?.start();
  benchVariables?.start();

  return {
    endpointUrl: first.endpointUrl,
    namespaceUri: NAMESPACE_URI,
    certificateThumbprint: first.certificateThumbprint,
    modelNow: () => line.now(),
    truth: () => line.truth(),
    benchTicks: () => benchVariables?.ticks ?? 0,
    paused,
    release() {
      if (!held || stopped) return;
      held = false;
      pacer.start();
    },
    async stop() {
      stopped = true;
      pacer.stop();
      benchCounter?.stop();
      benchVariables?.stop();
      await restarting;
      await pictures;
      view = undefined;
      await server?.stop();
      server = undefined;
    },
  };
}
