// Everything the extension takes from core, in one module that lazy-core.ts loads on first use.
export { appView } from "./app-view.ts";
export { canvasEdits } from "./canvas-edits.ts";
export { catalogOf } from "./catalog.ts";
export { buildBundle } from "../../core/bundle/build.ts";
export { hasErrors } from "../../core/diagnostics.ts";
export { builtinRegistry } from "../../core/registry.ts";
export { appSignals } from "./devices/app-signals.ts";
export { bindSignalEdit, endpointNameFor, newBindingText, setEndpointEdit } from "../../core/edit-binding.ts";
export { addNodesEdit, applyEdits, declareSignalEdit, uniqueNodeId, uniqueSignalName } from "../../core/edit-app.ts";
