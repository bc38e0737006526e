// A bundle running as a child process, its JSON lines collected as they come.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface RunningBundle {
  records: Array<Record<string, unknown>>;
  /** Resolves with the first non-undefined result of `find`, checked again at every new line. */
  until<T>(find: () => T | undefined): Promise<T>;
  /** The first log message starting with `start`, once one has been printed. */
  logged(start: string): Promise<string>;
  /** Messages out of node `id` in the latest status report. */
  out(id: string): number;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `main.js --json --status-every 100` plus `args`, with `env` added to ours. */
export function startBundle(bundleDir: string, args: string[], env: NodeJS.ProcessEnv = {}): RunningBundle {
  const child: ChildProcess = spawn(process.execPath, [join(bundleDir, "main.js"), "--json", "--status-every", "100", ...args], {
    env: { ...process.env, LANG: "C.UTF-8", ...env },
  });
  const records: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    records.push(JSON.parse(line));
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async <T>(find: () => T | undefined): Promise<T> => {
    for (let found = find(); ; found = find()) {
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return {
    records,
    until,
    logged: (start) => until(() => records.map((r) => String(r.message ?? "")).find((m) => m.startsWith(start))),
    out: (id) => {
      const status = records.filter((r) => r.level === "status").at(-1);
      return status ? ((status.stats as Record<string, { out: number }>)[id]?.out ?? 0) : 0;
    },
    stop: async () => {
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      return code as number | null;
    },
  };
}

/** A one-signal APP: M1's cycle counter from the simulator into SQLite, with a binding of the given endpoint. */
export function cycleCaptureFiles(id: string, endpoint: string): { app: string; binding: string } {
  return {
    app: `dengta: 1
app: { id: ${id}, version: 1.0.0, title: { en: Cycle capture, zh-CN: 循环数采集 } }
signals:
  cycles: { type: integer, direction: in, title: { en: M1 cycles, zh-CN: 1 号机循环数 } }
nodes:
  cycles: { block: dengta.opcua.subscribe@1, config: { signal: cycles } }
  history: { block: dengta.store.sqlite@1 }
edges:
  - cycles.out -> history.in
`,
    binding: `dengta: 1
app: ${id}@^1
endpoints:
  sim: ${endpoint}
signals:
  cycles: { endpoint: sim, nodeId: "nsu=urn:dengta:simulator;s=M1.CycleCount" }
`,
  };
}
