// One block on the canvas: title, id, input handles on the left and output handles on the right
// (one row per port), outlined red or yellow when the document's problems concern it.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { localText, type BlockNode, type PortRow } from "./state.ts";
import type { LiveNodeStats, Locale } from "./protocol.ts";
import { typeKey } from "./protocol.ts";

function portTooltip(row: PortRow, locale: Locale): string {
  if (row.view === undefined) return row.port;
  const type = typeKey(row.view.type).replace(/\|/g, " | ");
  const description = localText(row.view.description, locale);
  return `${localText(row.view.title, locale)} (${row.port}: ${type})${description ? `\n${description}` : ""}`;
}

function BlockNodeView({ data, selected }: NodeProps<BlockNode>) {
  const { node, block, locale, inputs, outputs, problems, severity, live } = data;
  const title = localText(node.title ?? block?.title, locale) || node.block;
  const tooltip = problems.map((problem) => `${problem.severity === "error" ? "✖" : problem.severity === "warning" ? "⚠" : "ℹ"} ${localText(problem.message, locale)}`).join("\n");
  const rows = Math.max(inputs.length, outputs.length);
  const classes = ["block-node", severity ? `has-${severity}` : "", block === undefined ? "is-unknown" : "", selected ? "is-selected" : ""];
  return (
    <div className={classes.filter(Boolean).join(" ")} title={tooltip || undefined}>
      <div className="block-node-header">
        <span className="block-node-title">{title}</span>
        {severity && (
          <span className={`block-node-badge badge-${severity}`} aria-label={tooltip}>
            {severity === "error" ? "✖" : severity === "warning" ? "⚠" : "ℹ"}{problems.length > 1 ? ` ${problems.length}` : ""}
          </span>
        )}
      </div>
      <div className="block-node-id">{node.id}</div>
      {live && <LiveBadge live={live} locale={locale} />}
      <div className="block-node-ports">
        {Array.from({ length: rows }, (_, i) => (
          <div className="block-node-row" key={i}>
            <PortCell row={inputs[i]} side="in" locale={locale} />
            <PortCell row={outputs[i]} side="out" locale={locale} />
          </div>
        ))}
      </div>
    </div>
  );
}

/** Rate, last value and errors of a running block. */
function LiveBadge({ live, locale }: { live: LiveNodeStats; locale: Locale }) {
  const rate = live.rate >= 10 ? `${Math.round(live.rate)}/s` : live.rate >= 1 ? `${live.rate.toFixed(1)}/s` : `${Math.round(live.rate * 60)}/min`;
  const title = locale === "zh-CN"
    ? `输入 ${live.in}，输出 ${live.out}，每秒 ${live.rate.toFixed(1)} 条，错误 ${live.errors}${live.last === undefined ? "" : `，最新值 ${live.last}`}`
    : `in ${live.in}, out ${live.out}, ${live.rate.toFixed(1)} per second, ${live.errors} errors${live.last === undefined ? "" : `, last ${live.last}`}`;
  return (
    <div className="block-node-live" title={title} data-testid="live-badge">
      <span className="live-rate">{rate}</span>
      {live.last !== undefined && <span className="live-last">{live.last}</span>}
      {live.errors > 0 && <span className="live-errors">✖ {live.errors}</span>}
    </div>
  );
}

function PortCell({ row, side, locale }: { row: PortRow | undefined; side: "in" | "out"; locale: Locale }) {
  if (row === undefined) return <div className={`port port-${side}`} />;
  const unknown = row.view === undefined;
  return (
    <div className={`port port-${side}${unknown ? " port-unknown" : ""}${row.view?.required ? " port-required" : ""}`} title={portTooltip(row, locale)}>
      <Handle type={side === "in" ? "target" : "source"} position={side === "in" ? Position.Left : Position.Right} id={row.port} />
      <span className="port-label">{row.view ? localText(row.view.title, locale) : row.port}</span>
    </div>
  );
}

// Drawn from `data` and `selected` alone: React Flow's measuring (width, height, position props)
// then re-renders its wrapper, not the block's content — a thousand of them on a big APP.
export const BlockNodeComponent = memo(BlockNodeView, (a, b) => a.data === b.data && a.selected === b.selected);
