// A variable of the Devices view as text, so a drag can carry it: dengta-opcua://<endpoint>/?node=…
export interface VariableRef {
  endpoint: string;
  nodeId: string;
  browseName: string;
  dataType?: string;
}

const SCHEME = "dengta-opcua:";

export function variableUri(ref: VariableRef): string {
  const query = new URLSearchParams({ node: ref.nodeId, name: ref.browseName, ...(ref.dataType ? { type: ref.dataType } : {}) });
  return `${SCHEME}//${encodeURIComponent(ref.endpoint)}/?${query.toString()}`;
}

/** The variable a text names, or undefined when it is not one of ours (a uri-list may hold several lines). */
export function parseVariableUri(text: string): VariableRef | undefined {
  const line = text.split(/\r?\n/).find((l) => l.startsWith(SCHEME));
  if (line === undefined) return undefined;
  try {
    const url = new URL(line);
    const nodeId = url.searchParams.get("node");
    const browseName = url.searchParams.get("name");
    const dataType = url.searchParams.get("type");
    if (!nodeId || !browseName || !url.host) return undefined;
    return { endpoint: decodeURIComponent(url.host), nodeId, browseName, ...(dataType ? { dataType } : {}) };
  } catch {
    return undefined;
  }
}
