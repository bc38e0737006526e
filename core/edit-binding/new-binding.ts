import type { SignalBinding } from "../binding-file.ts";
import type { LocalizedText } from "../diagnostics.ts";
import { flowScalar, flowValue } from "../edit-app/flow-value.ts";
import { endpointEntry, type Endpoint } from "./endpoints.ts";
import { signalEntry } from "./signals.ts";

const APP_REF = /^[a-z][a-z0-9-]{0,63}@\S+$/;

export interface NewBinding {
  /** The APP and a version range, `oee-line@^1`. */
  app: string;
  site?: LocalizedText;
  endpoints?: Readonly<Record<string, Endpoint>>;
  signals?: Readonly<Record<string, SignalBinding>>;
}

/**
 * The text of a new `*.binding.yaml`: a header in English and Chinese naming the APP, then its
 * sections in canonical order, written like the samples (one flow line per signal; an endpoint
 * with security or a user one key per line).
 */
export function newBindingText(binding: NewBinding): string {
  if (!APP_REF.test(binding.app)) throw new RangeError(`'${binding.app}' is not an APP id with a version range, e.g. 'oee-line@^1'`);
  const id = binding.app.slice(0, binding.app.indexOf("@"));
  const lines = [
    `# Binds the APP ${id} to a site's devices: its OPC UA servers, and the node behind each signal.`,
    `# 将 APP ${id} 绑定到现场设备：OPC UA 服务器，以及每个信号对应的设备节点。`,
    "dengta: 1",
    `app: ${flowScalar(binding.app)}`,
  ];
  if (binding.site) lines.push(`site: ${flowValue({ en: binding.site.en, "zh-CN": binding.site["zh-CN"] })}`);
  const endpoints = Object.entries(binding.endpoints ?? {});
  if (endpoints.length > 0) lines.push("endpoints:");
  for (const [name, endpoint] of endpoints) {
    const entry = endpointEntry(name, endpoint);
    if (entry.block!.lines.length > 1) lines.push(`  ${entry.block!.key}:`, ...entry.block!.lines.map((line) => `    ${line}`));
    else lines.push(`  ${entry.flow}`);
  }
  const signals = Object.entries(binding.signals ?? {});
  if (signals.length > 0) lines.push("signals:");
  for (const [name, signal] of signals) lines.push(`  ${signalEntry(name, signal).flow}`);
  return `${lines.join("\n")}\n`;
}
