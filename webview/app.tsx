// The whole view: palette | canvas | inspector, rendered from the session (init + latest document).
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useCallback, useRef, useState, useSyncExternalStore } from "react";
import { Canvas } from "./canvas.tsx";
import { Inspector } from "./inspector.tsx";
import { t } from "./l10n.ts";
import { Notices } from "./notices.tsx";
import { Palette } from "./palette.tsx";
import type { BlockView, WebviewMessage } from "./protocol.ts";
import type { SessionStore } from "./session.ts";
import { addBlockMessage, localText } from "./state.ts";

export function App({ store, post }: { store: SessionStore; post(message: WebviewMessage): void }) {
  const session = useSyncExternalStore(store.subscribe, store.get);
  if (session === undefined || session.app === undefined) return <div className="waiting">{t("waiting")}</div>;
  return (
    <ReactFlowProvider>
      <Editor store={store} post={post} />
    </ReactFlowProvider>
  );
}

function Editor({ store, post }: { store: SessionStore; post(message: WebviewMessage): void }) {
  const session = useSyncExternalStore(store.subscribe, store.get)!;
  const app = session.app!;
  const readOnly = app.unreadable !== undefined;
  const flow = useReactFlow();
  const canvasArea = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const onSelectionChange = useCallback((ids: string[]) => {
    setSelected((before) => (before.length === ids.length && before.every((id, i) => id === ids[i]) ? before : ids));
  }, []);
  const dismiss = useCallback((id: number) => store.dismiss(id), [store]);

  const addAtCentre = useCallback((block: BlockView) => {
    const box = canvasArea.current?.getBoundingClientRect();
    if (box === undefined) return;
    const centre = flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 });
    post(addBlockMessage(app.version, block, [centre.x - 110, centre.y - 40]));
  }, [app.version, flow, post]);

  return (
    <div className="editor">
      <Palette catalog={session.catalog} locale={session.locale} readOnly={readOnly} onAdd={addAtCentre} />
      <main className="canvas-area" ref={canvasArea}>
        {app.unreadable && (
          <div className="banner banner-error" role="alert">{t("readOnly")} {localText(app.unreadable, session.locale)}</div>
        )}
        <Canvas session={session} app={app} store={store} post={post} readOnly={readOnly} onSelectionChange={onSelectionChange} />
        <Notices notices={session.notices} locale={session.locale} dismiss={dismiss} />
      </main>
      <Inspector app={app} blocks={session.blocks} selected={selected} locale={session.locale} readOnly={readOnly} post={post} />
    </div>
  );
}
