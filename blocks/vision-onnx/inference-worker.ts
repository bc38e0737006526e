// One onnxruntime-node session on a thread of its own: session.run() holds its thread for the whole
// inference (microsoft/onnxruntime#19611), and on the main thread that would stall every other block.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";

/** What the block reads from the session to check the model against its config. */
export type SessionInfo = Pick<ort.InferenceSession, "inputNames" | "outputNames" | "inputMetadata" | "outputMetadata">;

export type SessionOptions = ort.InferenceSession.SessionOptions;

/** The thread stopped: the request in flight, if any, fails with this. */
export class InferenceThreadStopped extends Error {
  /** `byClose`: close() ended it (the block is stopping); otherwise it died. */
  constructor(readonly exitCode: number, readonly reason: string | undefined, readonly byClose: boolean) {
    super(byClose ? "the inference thread was closed" : `the inference thread stopped unexpectedly (exit code ${exitCode}${reason === undefined ? "" : `: ${reason}`})`);
  }
}

type Reply = { ok: true; value: unknown } | { ok: false; message: string };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The worker's code, plain CommonJS run with `eval`: a block's runtime is bundled into one main.js,
 * which leaves no worker file to point at, while onnxruntime-node stays a package in node_modules/
 * (core/bundle/native.ts), so the worker requires it by the path the main thread resolved.
 * It opens the session at once and answers the opening, then each run, in order.
 */
const WORKER_CODE = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.onnxruntime);
const message = (error) => (error instanceof Error ? error.message : String(error));
const reply = (work) => work.then(
  ([value, transfer]) => parentPort.postMessage({ ok: true, value }, transfer),
  (error) => parentPort.postMessage({ ok: false, message: message(error) }),
);
const opening = ort.InferenceSession.create(workerData.file, workerData.options);
reply(opening.then((s) => [{ inputNames: s.inputNames, outputNames: s.outputNames, inputMetadata: s.inputMetadata, outputMetadata: s.outputMetadata }, []]));
parentPort.on("message", ({ input, data, dims, output }) => reply(opening.then(async (session) => {
  const results = await session.run({ [input]: new ort.Tensor("float32", data, dims) }, [output]);
  const tensor = results[output];
  return [{ type: tensor.type, data: tensor.data, dims: tensor.dims }, ArrayBuffer.isView(tensor.data) ? [tensor.data.buffer] : []];
})));
`;

/** onnxruntime-node as this module would require it: from the source tree, or beside a bundle's main.js. */
function onnxruntimePath(): string {
  const here = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
  return createRequire(here).resolve("onnxruntime-node");
}

/**
 * One session on one worker thread, one request at a time (the engine gives a node one message at
 * a time). A thread that dies is started again, with a new session, by the next run.
 */
export class InferenceWorker {
  private thread: Worker | undefined;
  private pending: Pending | undefined;
  private opened = false;
  private closing = false;
  private lastError: string | undefined;
  /** Live threads, for tests: stop() must leave none behind. */
  static readonly threads = new Set<Worker>();

  private constructor(
    readonly file: string,
    private readonly options: SessionOptions,
    private readonly onCrash: (stopped: InferenceThreadStopped) => void,
  ) {}

  /** Rejects with onnxruntime's own message when the file is not a model it can run. */
  static async open(file: string, options: SessionOptions, onCrash: (stopped: InferenceThreadStopped) => void): Promise<{ worker: InferenceWorker; info: SessionInfo }> {
    const worker = new InferenceWorker(file, options, onCrash);
    try {
      const info = await worker.start();
      worker.opened = true;
      return { worker, info };
    } catch (error) {
      await worker.close();
      throw error;
    }
  }

  /** The input buffer moves to the worker (transferred, not copied): `data` is unusable afterwards. */
  async run(input: string, data: Float32Array, dims: readonly number[], output: string): Promise<ort.Tensor> {
    if (this.thread === undefined) await this.start();
    const result = await this.request({ input, data, dims, output }, [data.buffer as ArrayBuffer]) as Pick<ort.Tensor, "type" | "data" | "dims">;
    return new ort.Tensor(result.type as "float32", result.data as Float32Array, result.dims);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.thread?.terminate();
  }

  private start(): Promise<SessionInfo> {
    const thread = new Worker(WORKER_CODE, { eval: true, name: "dengta.vision.onnx", workerData: { onnxruntime: onnxruntimePath(), file: this.file, options: this.options } });
    this.thread = thread;
    this.lastError = undefined;
    InferenceWorker.threads.add(thread);
    thread.on("message", (reply: Reply) => this.settle(reply));
    // Without a listener an error thrown in the worker would be rethrown on the main thread.
    thread.on("error", (error) => { this.lastError = error.message; });
    thread.on("exit", (code) => this.exited(thread, code));
    return this.request(undefined, []) as Promise<SessionInfo>;
  }

  /** Sends `message` (none: awaits the opening's answer) and waits for the answer. */
  private request(message: unknown, transfer: ArrayBuffer[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      if (message !== undefined) this.thread!.postMessage(message, transfer);
    });
  }

  private settle(reply: Reply): void {
    const pending = this.pending;
    this.pending = undefined;
    if (reply.ok) pending?.resolve(reply.value);
    else pending?.reject(new Error(reply.message));
  }

  private exited(thread: Worker, code: number): void {
    InferenceWorker.threads.delete(thread);
    if (this.thread !== thread) return;
    this.thread = undefined;
    const stopped = new InferenceThreadStopped(code, this.lastError, this.closing);
    this.pending?.reject(stopped);
    this.pending = undefined;
    // While opening, the error goes to open()'s caller alone.
    if (this.opened && !this.closing) this.onCrash(stopped);
  }
}
