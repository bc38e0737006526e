// The right panel: the selected node's block, its problems, and its config form.
import { t } from "./l10n.ts";
import { ConfigForm } from "./config-form.tsx";
import type { AppView, BlockView, Locale, WebviewMessage } from "./protocol.ts";
import { localText, upstreamFields } from "./state.ts";

interface InspectorProps {
  app: AppView;
  blocks: Map<string, BlockView>;
  selected: string[];
  locale: Locale;
  readOnly: boolean;
  post(message: WebviewMessage): void;
}

const ICON = { error: "✖", warning: "⚠", info: "ℹ" } as const;

export function Inspector({ app, blocks, selected, locale, readOnly, post }: InspectorProps) {
  const node = selected.length === 1 ? app.nodes.find((n) => n.id === selected[0]) : undefined;
  if (node === undefined) {
    return (
      <aside className="inspector nokey">
        <h2 className="panel-title">{t("inspectorTitle")}</h2>
        <p className="muted">{selected.length > 1 ? t("manySelected", selected.length) : t("nothingSelected")}</p>
      </aside>
    );
  }
  const block = blocks.get(node.block);
  const problems = app.problems.filter((problem) => problem.node === node.id);
  const hasSettings = block !== undefined && Object.keys((block.configSchema as { properties?: object }).properties ?? {}).length > 0;
  return (
    <aside className="inspector nokey">
      <h2 className="panel-title">{localText(node.title ?? block?.title, locale) || node.block}</h2>
      <div className="inspector-meta">
        <code>{node.id}</code> · <code>{node.block}</code>
        <button type="button" className="link-button" onClick={() => post({ type: "openText", node: node.id })}>{t("openText")}</button>
      </div>
      {block && <p className="inspector-description">{localText(block.description, locale)}</p>}
      {problems.length > 0 && (
        <ul className="inspector-problems" aria-label={t("problems")}>
          {problems.map((problem, i) => (
            <li key={i} className={`problem problem-${problem.severity}`}>
              {ICON[problem.severity]} {localText(problem.message, locale)} <span className="muted">({problem.code})</span>
            </li>
          ))}
        </ul>
      )}
      {block === undefined && <p className="problem problem-error">{t("unknownBlock", node.block)}</p>}
      {block !== undefined && !hasSettings && <p className="muted">{t("noSettings")}</p>}
      {block !== undefined && hasSettings && (
        <ConfigForm
          key={`${node.id} ${node.block}`} node={node} block={block} locale={locale} version={app.version} problems={app.problems}
          upstreamFields={upstreamFields(app, blocks, node.id)} readOnly={readOnly} post={post}
        />
      )}
    </aside>
  );
}
