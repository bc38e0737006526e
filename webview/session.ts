// What the host has told the canvas so far: the catalog (init) and the latest document. The canvas
// renders from this and never edits it; an edit goes to the host and comes back as a new document.
import type { AppView, BlockView, HostMessage, LiveNodeStats, Locale, Text } from "./protocol.ts";
import { catalogByRef } from "./state.ts";

export interface Notice {
  id: number;
  level: "info" | "warning" | "error";
  text: Text;
}

export interface Session {
  locale: Locale;
  catalog: BlockView[];
  blocks: Map<string, BlockView>;
  compatible: Record<string, string[]>;
  app: AppView | undefined;
  notices: Notice[];
  /** The latest reveal request; `seq` tells a repeat of the same nodes apart. */
  reveal: { nodes: string[]; seq: number } | undefined;
  /** Figures of the run on the simulator, per node; undefined when the APP is not running. */
  live: Record<string, LiveNodeStats> | undefined;
  /** Bumped on a host notice of level warning or error: the canvas drops what it showed ahead of the host. */
  resync: number;
}

type Listener = () => void;

export class SessionStore {
  private state: Session | undefined;
  private pending: AppView | undefined;
  private listeners = new Set<Listener>();
  private nextNotice = 1;

  get = (): Session | undefined => this.state;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  receive = (message: HostMessage): void => {
    switch (message.type) {
      case "init":
        this.state = {
          locale: message.locale,
          catalog: message.catalog,
          blocks: catalogByRef(message.catalog),
          compatible: message.compatible,
          app: this.state?.app ?? this.pending,
          notices: this.state?.notices ?? [],
          reveal: undefined,
          live: this.state?.live,
          resync: 0,
        };
        break;
      case "document":
        if (this.state === undefined) this.pending = message.app; // a document before init waits for the catalog
        else this.state = { ...this.state, app: message.app };
        break;
      case "notice":
        this.notify(message.level, message.text);
        if (this.state !== undefined && message.level !== "info") this.state = { ...this.state, resync: this.state.resync + 1 };
        break;
      case "live":
        if (this.state !== undefined) this.state = { ...this.state, live: message.running ? message.nodes : undefined };
        break;
      case "reveal":
        if (this.state !== undefined) this.state = { ...this.state, reveal: { nodes: message.nodes, seq: (this.state.reveal?.seq ?? 0) + 1 } };
        break;
    }
    this.emit();
  };

  /** A notice the canvas raises itself, e.g. why it refused a connection. */
  notify(level: Notice["level"], text: Text): void {
    if (this.state === undefined) return;
    this.state = { ...this.state, notices: [...this.state.notices, { id: this.nextNotice++, level, text }].slice(-4) };
    this.emit();
  }

  dismiss(id: number): void {
    if (this.state === undefined) return;
    this.state = { ...this.state, notices: this.state.notices.filter((notice) => notice.id !== id) };
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
