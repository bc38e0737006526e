/**
 * Rejects when `promise` takes longer than `ms` of wall time. Network waits follow wall time
 * whatever clock the APP runs on, as node-opcua's own timers do.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error = () => new Error(`timed out after ${ms} ms`)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
