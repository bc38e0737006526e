// Canvas edits as the smallest text edits of an APP: the text stays the source of truth, so
// comments, key order and every untouched line come through byte for byte.
export { applyEdits, joinInserts, type TextEdit } from "./edit-app/text-edit.ts";
export { moveNodeEdit, moveNodesEdit, type Position } from "./edit-app/layout.ts";
export { connectEdit, type EdgeRef } from "./edit-app/edges.ts";
export { addNodesEdit, deleteElementsEdit, setConfigEdit, uniqueNodeId, type NewNode } from "./edit-app/nodes.ts";
export { declareSignalEdit, uniqueSignalName, type NewSignal, type SignalType } from "./edit-app/signals.ts";
