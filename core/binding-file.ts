import type { LocalizedText } from "./diagnostics.ts";

/** The data of a `*.binding.yaml` once it passes binding.schema.json. */
export interface BindingDocument {
  dengta: 1;
  /** `app-id@range`, e.g. `vision-inspection@^1`. */
  app: string;
  site?: LocalizedText;
  endpoints?: Record<string, EndpointSpec>;
  signals?: Record<string, SignalBinding>;
  cameras?: Record<string, { kind: "folder" | "http" | "simulator"; path?: string; url?: string; endpoint?: string }>;
  parameters?: Record<string, number | string | boolean>;
  calendar?: { timezone: string; shifts: Array<{ name: string; start: string; end: string; breaks?: Array<[string, string]> }> };
}

export interface SecretRef {
  secret: string;
}

export interface EndpointSpec {
  url?: string;
  simulator?: boolean;
  security?: { mode: "None" | "Sign" | "SignAndEncrypt"; policy?: string };
  user?: { name: string; password: SecretRef };
  certificate?: { cert: string; key: SecretRef };
}

export interface SignalBinding {
  endpoint: string;
  nodeId: string;
  samplingMs?: number;
  queueSize?: number;
  deadband?: { kind: "absolute" | "percent"; value: number };
}

/** Splits `vision-inspection@^1` into the APP id and the version range. */
export function parseAppRef(ref: string): { id: string; range: string } {
  const at = ref.indexOf("@");
  return { id: ref.slice(0, at), range: ref.slice(at + 1) };
}
