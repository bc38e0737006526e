// Binding edits as the smallest text edits of a `*.binding.yaml`, like core/edit-app.ts for an
// APP: comments, key order and every untouched line come through byte for byte.
export { bindSignalEdit, type SignalPlace } from "./edit-binding/signals.ts";
export { endpointNameFor, setEndpointEdit, type Endpoint } from "./edit-binding/endpoints.ts";
export { newBindingText, type NewBinding } from "./edit-binding/new-binding.ts";
