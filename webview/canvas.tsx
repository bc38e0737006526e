// The flow canvas: shows the latest document and turns gestures into messages for the host.
// Nodes and edges are re-derived from every document; the canvas itself only keeps selection,
// measured sizes and the position of a drag in progress.
import {
  Background, BackgroundVariant, Controls, MiniMap, Panel, ReactFlow, applyEdgeChanges, applyNodeChanges,
  useNodesInitialized, useReactFlow,
  type Connection, type EdgeChange, type FinalConnectionState, type NodeChange, type OnBeforeDelete,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { layeredPositions, positionsForUnplaced } from "./auto-layout.ts";
import { BlockNodeComponent } from "./block-node.tsx";
import { t } from "./l10n.ts";
import type { AppView, PortRef, WebviewMessage } from "./protocol.ts";
import type { Session, SessionStore } from "./session.ts";
import {
  BLOCK_DRAG_TYPE, CLIPBOARD_TYPE, addBlockMessage, checkConnection, copySelection, deleteMessage, flowEdges, flowNodes, keepCanvasState,
  moveMessage, parseClipboard, pasteMessage, variableDropMessage, type BlockNode, type Clipboard, type Point, type PortEdge,
} from "./state.ts";
import { isDark, useTheme } from "./theme.ts";

const nodeTypes = { block: BlockNodeComponent };
const DELETE_KEYS = ["Delete", "Backspace"];
const MULTI_SELECT_KEYS = ["Shift", "Meta", "Control"];
const PASTE_STEP = 40;

interface CanvasProps {
  session: Session;
  app: AppView;
  store: SessionStore;
  post(message: WebviewMessage): void;
  readOnly: boolean;
  onSelectionChange(ids: string[]): void;
}

export function Canvas({ session, app, store, post, readOnly, onSelectionChange }: CanvasProps) {
  const flow = useReactFlow<BlockNode, PortEdge>();
  const theme = useTheme();
  const { blocks, locale, compatible } = session;
  const appRef = useRef(app);
  appRef.current = app;

  const placed = useUnplacedPositions(app, session);
  const [nodes, setNodes] = useState<BlockNode[]>([]);
  const [edges, setEdges] = useState<PortEdge[]>([]);

  useEffect(() => {
    setNodes((previous) => keepCanvasState(flowNodes(app, blocks, locale, placed.positions, session.live), previous));
  }, [app, blocks, locale, placed, session.resync, session.live]);

  useEffect(() => {
    setEdges((previous) => flowEdges(app, new Set(previous.filter((edge) => edge.selected).map((edge) => edge.id)), session.live));
  }, [app, session.live]);

  // Fit once the automatic positions are on screen, not the pile at the origin before them.
  const layoutShown = placed.ready && nodes.length > 0 && nodes.every((node) => {
    const auto = placed.positions[node.id];
    return auto === undefined || (node.position.x === auto[0] && node.position.y === auto[1]);
  });
  useFitOnce(layoutShown);
  useReveal(session.reveal, setNodes);
  useClipboard(app, placed.positions, nodes, post, readOnly);

  // Additions and removals come back from the host as a new document, never from React Flow.
  const onNodesChange = useCallback((changes: NodeChange<BlockNode>[]) => {
    setNodes((current) => applyNodeChanges(changes.filter((c) => c.type === "position" || c.type === "select" || c.type === "dimensions"), current));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<PortEdge>[]) => {
    setEdges((current) => applyEdgeChanges(changes.filter((c) => c.type === "select"), current));
  }, []);

  const onDragStop = useCallback((_event: unknown, _node: unknown, dragged: BlockNode[]) => {
    const current = appRef.current;
    const moved = dragged.filter((node) => {
      const before = current.nodes.find((n) => n.id === node.id)?.position;
      return before === undefined || before[0] !== Math.round(node.position.x) || before[1] !== Math.round(node.position.y);
    });
    if (moved.length > 0) post(moveMessage(current.version, moved.map((node) => ({ id: node.id, ...node.position }))));
  }, [post]);
  const onSelectionDragStop = useCallback((event: unknown, dragged: BlockNode[]) => onDragStop(event, undefined, dragged), [onDragStop]);

  const onBeforeDelete: OnBeforeDelete<BlockNode, PortEdge> = useCallback(async ({ nodes: gone, edges: cut }) => {
    if (!readOnly && (gone.length > 0 || cut.length > 0)) {
      post(deleteMessage(appRef.current.version, gone.map((node) => node.id), cut.flatMap((edge) => edge.data ? [edge.data.edge] : [])));
    }
    return false;
  }, [post, readOnly]);

  const check = useCallback((from: PortRef, to: PortRef) => checkConnection(from, to, appRef.current, blocks, compatible), [blocks, compatible]);
  const isValidConnection = useCallback((c: Connection | PortEdge) => {
    const refs = portRefs(c);
    return refs !== undefined && check(refs.from, refs.to).ok;
  }, [check]);
  const onConnect = useCallback((c: Connection) => {
    const refs = portRefs(c);
    if (refs === undefined) return;
    const result = check(refs.from, refs.to);
    if (result.ok) post({ type: "connect", version: appRef.current.version, edge: result.edge });
    else store.notify("warning", result.reason);
  }, [check, post, store]);
  const onConnectEnd = useCallback((_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid !== false || state.fromHandle === null || state.toHandle === null) return;
    const [output, input] = state.fromHandle.type === "source" ? [state.fromHandle, state.toHandle] : [state.toHandle, state.fromHandle];
    const result = check({ node: output.nodeId, port: output.id ?? "" }, { node: input.nodeId, port: input.id ?? "" });
    if (!result.ok) store.notify("warning", result.reason);
  }, [check, store]);

  // A block from the palette, or a variable from VS Code's OPC UA Devices view (whose drag the
  // host saw start; the browser may or may not pass its text on).
  const onDragOver = useCallback((event: DragEvent) => {
    if (readOnly) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, [readOnly]);
  const onDrop = useCallback((event: DragEvent) => {
    if (readOnly) return;
    event.preventDefault();
    const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    const block = blocks.get(event.dataTransfer.getData(BLOCK_DRAG_TYPE));
    if (block !== undefined) return post(addBlockMessage(appRef.current.version, block, [at.x, at.y]));
    post(variableDropMessage(appRef.current.version, [at.x, at.y], droppedOnNode(event.target), droppedText(event.dataTransfer)));
  }, [blocks, flow, post, readOnly]);

  const onSelection = useCallback(({ nodes: chosen }: { nodes: BlockNode[] }) => onSelectionChange(chosen.map((node) => node.id)), [onSelectionChange]);

  const autoLayout = useCallback(async () => {
    const current = appRef.current;
    const boxes = flow.getNodes().map((node) => ({ id: node.id, width: node.measured?.width ?? 220, height: node.measured?.height ?? 80 }));
    const positions = await layeredPositions(boxes, current.edges);
    post(moveMessage(current.version, Object.entries(positions).map(([id, [x, y]]) => ({ id, x, y }))));
    window.setTimeout(() => void flow.fitView({ padding: 0.1, duration: 300 }), 200);
  }, [flow, post]);

  return (
    <ReactFlow<BlockNode, PortEdge>
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onNodeDragStop={onDragStop}
      onSelectionDragStop={onSelectionDragStop}
      onBeforeDelete={onBeforeDelete}
      onConnect={onConnect}
      onConnectEnd={onConnectEnd}
      isValidConnection={isValidConnection}
      onSelectionChange={onSelection}
      onDragOver={onDragOver}
      onDrop={onDrop}
      deleteKeyCode={readOnly ? null : DELETE_KEYS}
      multiSelectionKeyCode={MULTI_SELECT_KEYS}
      nodesDraggable={!readOnly}
      nodesConnectable={!readOnly}
      colorMode={isDark(theme) ? "dark" : "light"}
      minZoom={0.1}
      maxZoom={2}
      onlyRenderVisibleElements
    >
      <Background variant={BackgroundVariant.Dots} gap={16} />
      <MiniMap pannable zoomable nodeClassName={(node) => `minimap-node ${(node as BlockNode).data.severity ?? ""}`} />
      <Controls showInteractive={false} />
      <Panel position="top-right">
        <button type="button" className="toolbar-button" onClick={() => void autoLayout()} disabled={readOnly} title={t("autoLayoutTitle")}>
          {t("autoLayout")}
        </button>
      </Panel>
    </ReactFlow>
  );
}

/** The id of the block under the pointer, read from React Flow's node wrapper. */
function droppedOnNode(target: EventTarget | null): string | undefined {
  return target instanceof Element ? target.closest(".react-flow__node")?.getAttribute("data-id") ?? undefined : undefined;
}

function droppedText(transfer: DataTransfer): string | undefined {
  return transfer.getData("text/uri-list") || transfer.getData("text/plain") || undefined;
}

function portRefs(c: Connection | PortEdge): { from: PortRef; to: PortRef } | undefined {
  if (!c.sourceHandle || !c.targetHandle) return undefined;
  return { from: { node: c.source, port: c.sourceHandle }, to: { node: c.target, port: c.targetHandle } };
}

/** Automatic positions for blocks the layout section does not place, recomputed when the graph changes. */
function useUnplacedPositions(app: AppView, session: Session): { positions: Record<string, Point>; ready: boolean } {
  const shape = useMemo(() => JSON.stringify([app.nodes.map((n) => [n.id, n.block, n.position ?? null]), app.edges]), [app]);
  const allPlaced = app.nodes.every((node) => node.position !== undefined);
  const [result, setResult] = useState<{ shape: string; positions: Record<string, Point> }>({ shape: "", positions: {} });
  useEffect(() => {
    if (allPlaced) return;
    let cancelled = false;
    const nodes = app.nodes.map((node) => {
      const block = session.blocks.get(node.block);
      const ports = Math.max(Object.keys(block?.inputs ?? {}).length, Object.keys(block?.outputs ?? {}).length);
      return node.position === undefined ? { id: node.id, ports } : { id: node.id, ports, position: node.position };
    });
    positionsForUnplaced(nodes, app.edges).then(
      (positions) => { if (!cancelled) setResult({ shape, positions }); },
      (error: unknown) => { console.error("dengta canvas: automatic layout failed", error); if (!cancelled) setResult({ shape, positions: {} }); },
    );
    return () => { cancelled = true; };
    // The shape stands for the parts of `app` the layout reads.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, session.blocks, allPlaced]);
  // Every block placed: nothing to wait for, so the nodes are drawn once, not again after a layout.
  return useMemo(() => (allPlaced ? EVERY_BLOCK_PLACED : { positions: result.positions, ready: result.shape === shape }), [allPlaced, result, shape]);
}

const EVERY_BLOCK_PLACED = { positions: {}, ready: true };

function useFitOnce(ready: boolean): void {
  const flow = useReactFlow();
  const measured = useNodesInitialized();
  const done = useRef(false);
  useEffect(() => {
    if (done.current || !ready || !measured) return;
    done.current = true;
    void flow.fitView({ padding: 0.1 });
  }, [flow, measured, ready]);
}

function useReveal(reveal: Session["reveal"], setNodes: (update: (nodes: BlockNode[]) => BlockNode[]) => void): void {
  const flow = useReactFlow();
  useEffect(() => {
    if (reveal === undefined) return;
    const ids = new Set(reveal.nodes);
    setNodes((nodes) => nodes.map((node) => ({ ...node, selected: ids.has(node.id) })));
    void flow.fitView({ nodes: reveal.nodes.map((id) => ({ id })), duration: 300, maxZoom: 1.2, padding: 0.3 });
  }, [reveal, flow, setNodes]);
}

/** Copy, cut and paste of the selected blocks, through the system clipboard when it can. */
function useClipboard(app: AppView, placed: Record<string, Point>, nodes: BlockNode[], post: (m: WebviewMessage) => void, readOnly: boolean): void {
  const latest = useRef({ app, placed, nodes, readOnly });
  latest.current = { app, placed, nodes, readOnly };
  const memory = useRef<{ clipboard: Clipboard; text: string; pastes: number } | undefined>(undefined);

  useEffect(() => {
    const belongsToCanvas = (event: Event) => {
      const target = event.target;
      if (!(target instanceof HTMLElement)) return true;
      return !(target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.closest(".monaco-editor, .inspector, .palette"));
    };
    const copy = (event: ClipboardEvent, cut: boolean) => {
      if (!belongsToCanvas(event)) return;
      const { app: current, placed: auto, nodes: shown } = latest.current;
      const ids = new Set(shown.filter((node) => node.selected).map((node) => node.id));
      const clipboard = copySelection(current, ids, auto);
      if (clipboard === undefined) return;
      const text = JSON.stringify(clipboard);
      memory.current = { clipboard, text, pastes: 0 };
      event.clipboardData?.setData(CLIPBOARD_TYPE, text);
      event.preventDefault();
      if (cut && !latest.current.readOnly) {
        const cutEdges = current.edges.filter((edge) => ids.has(edge.from.node) || ids.has(edge.to.node));
        post(deleteMessage(current.version, [...ids], cutEdges));
      }
    };
    const paste = (event: ClipboardEvent) => {
      if (!belongsToCanvas(event) || latest.current.readOnly) return;
      const text = event.clipboardData?.getData(CLIPBOARD_TYPE) || memory.current?.text || "";
      const clipboard = parseClipboard(text);
      if (clipboard === undefined) return;
      event.preventDefault();
      if (memory.current?.text !== text) memory.current = { clipboard, text, pastes: 0 };
      const step = ++memory.current.pastes * PASTE_STEP;
      post(pasteMessage(latest.current.app.version, clipboard, [step, step]));
    };
    const onCopy = (event: ClipboardEvent) => copy(event, false);
    const onCut = (event: ClipboardEvent) => copy(event, true);
    document.addEventListener("copy", onCopy);
    document.addEventListener("cut", onCut);
    document.addEventListener("paste", paste);
    return () => {
      document.removeEventListener("copy", onCopy);
      document.removeEventListener("cut", onCut);
      document.removeEventListener("paste", paste);
    };
  }, [post]);
}
