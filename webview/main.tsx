// The canvas webview's entry: connect to the host, say ready, render whatever it sends.
import "@xyflow/react/dist/style.css";
import "./webview.css";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";
import { connectToHost } from "./host.ts";
import { setLocale } from "./l10n.ts";
import { SessionStore } from "./session.ts";

const host = connectToHost();
const store = new SessionStore();
host.listen((message) => {
  if (message.type === "init") setLocale(message.locale);
  store.receive(message);
});
createRoot(document.getElementById("root") ?? document.body.appendChild(document.createElement("div")))
  .render(<App store={store} post={host.post} />);
host.post({ type: "ready" });
