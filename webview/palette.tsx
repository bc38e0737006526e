// The block palette: blocks grouped by category, searchable in English and Chinese. Drag a block
// onto the canvas, or double-click / press Enter to add it at the centre of the view.
import { useMemo, useState, type DragEvent, type KeyboardEvent } from "react";
import { categoryName, t } from "./l10n.ts";
import type { BlockView, Locale } from "./protocol.ts";
import { BLOCK_DRAG_TYPE, localText, paletteGroups } from "./state.ts";

interface PaletteProps {
  catalog: BlockView[];
  locale: Locale;
  readOnly: boolean;
  onAdd(block: BlockView): void;
}

export function Palette({ catalog, locale, readOnly, onAdd }: PaletteProps) {
  const [query, setQuery] = useState("");
  const groups = useMemo(() => paletteGroups(catalog, query, locale), [catalog, query, locale]);
  const other: Locale = locale === "en" ? "zh-CN" : "en";

  const onDragStart = (event: DragEvent, block: BlockView) => {
    event.dataTransfer.setData(BLOCK_DRAG_TYPE, block.ref);
    event.dataTransfer.effectAllowed = "copy";
  };
  const onKeyDown = (event: KeyboardEvent, block: BlockView) => {
    if (event.key === "Enter" && !readOnly) {
      event.preventDefault();
      onAdd(block);
    }
  };

  return (
    <aside className="palette nokey" aria-label={t("paletteTitle")}>
      <h2 className="panel-title">{t("paletteTitle")}</h2>
      <input
        className="palette-search"
        type="search"
        value={query}
        placeholder={t("searchPlaceholder")}
        aria-label={t("searchPlaceholder")}
        onChange={(event) => setQuery(event.target.value)}
      />
      <div className="palette-list" role="listbox" aria-label={t("paletteTitle")} title={t("addHint")}>
        {groups.length === 0 && <p className="muted">{t("noBlocksFound")}</p>}
        {groups.map((group) => (
          <section key={group.category} className="palette-group">
            <h3 className="palette-category">{categoryName(group.category)}</h3>
            {group.blocks.map((block) => (
              <div
                key={block.ref}
                className="palette-item"
                role="option"
                aria-selected={false}
                tabIndex={0}
                draggable={!readOnly}
                onDragStart={(event) => onDragStart(event, block)}
                onDoubleClick={() => !readOnly && onAdd(block)}
                onKeyDown={(event) => onKeyDown(event, block)}
                title={`${localText(block.description, locale)}\n\n${block.ref}`}
              >
                <span className="palette-item-title">{localText(block.title, locale)}</span>
                <span className="palette-item-sub">{block.title[other]} · {block.id}</span>
              </div>
            ))}
          </section>
        ))}
      </div>
    </aside>
  );
}
