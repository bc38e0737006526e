import type { ResolvedSignal, SiteCalendar, SiteName } from "./block.ts";
import type { EnginePlan, PlannedEdge, PlannedNode } from "./engine.ts";

/** The APP as the compiler writes it into a bundle (app.json): checked, resolved, in run order. */
export interface BundleApp {
  dengta: 1;
  app: { id: string; version: string; title: { en: string; "zh-CN": string } };
  parameters: Record<string, unknown>;
  signals: Record<string, { type: string; direction: "in" | "out" | "inout"; unit?: string }>;
  nodes: PlannedNode[];
  edges: PlannedEdge[];
}

/** binding.json: the site's binding as written, or null when the APP needs none. */
export type BundleBinding = {
  signals?: Record<string, Record<string, unknown>>;
  endpoints?: Record<string, Record<string, unknown>>;
  cameras?: Record<string, Record<string, unknown>>;
  calendar?: SiteCalendar;
  site?: SiteName;
} & Record<string, unknown>;

export function planFor(app: BundleApp, binding: BundleBinding | null): EnginePlan {
  const signals: Record<string, ResolvedSignal> = {};
  for (const [name, spec] of Object.entries(app.signals)) {
    signals[name] = Object.freeze({ name, type: spec.type, direction: spec.direction, binding: binding?.signals?.[name] });
  }
  return { nodes: app.nodes, edges: app.edges, signals };
}
