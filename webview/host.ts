// The one way the canvas talks to the extension host: typed messages out, checked messages in.
import { parseHostMessage, type HostMessage, type WebviewMessage } from "./protocol.ts";

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
  post(message: WebviewMessage): void;
  /** Calls `handle` with each well-formed host message; ignores (and logs) anything else. */
  listen(handle: (message: HostMessage) => void): () => void;
}

export function connectToHost(): Host {
  const vscode = acquireVsCodeApi();
  return {
    post: (message) => vscode.postMessage(message),
    listen(handle) {
      const onMessage = (event: MessageEvent) => {
        const message = parseHostMessage(event.data);
        if (message !== undefined) handle(message);
        // Monaco posts untyped messages to its own window; only a typed one can be a bad host message.
        else if (typeof event.data?.type === "string") console.warn("dengta canvas: ignored a malformed host message", event.data);
      };
      window.addEventListener("message", onMessage);
      return () => window.removeEventListener("message", onMessage);
    },
  };
}
