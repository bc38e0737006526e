// Toasts for host notices and the canvas's own refusals; each dismisses itself after a while.
import { useEffect } from "react";
import { t } from "./l10n.ts";
import type { Locale } from "./protocol.ts";
import type { Notice } from "./session.ts";
import { localText } from "./state.ts";

const SHOW_MS = 8000;

export function Notices({ notices, locale, dismiss }: { notices: Notice[]; locale: Locale; dismiss(id: number): void }) {
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((notice) => <NoticeToast key={notice.id} notice={notice} locale={locale} dismiss={dismiss} />)}
    </div>
  );
}

function NoticeToast({ notice, locale, dismiss }: { notice: Notice; locale: Locale; dismiss(id: number): void }) {
  useEffect(() => {
    const timer = window.setTimeout(() => dismiss(notice.id), SHOW_MS);
    return () => window.clearTimeout(timer);
  }, [notice.id, dismiss]);
  return (
    <div className={`notice notice-${notice.level}`}>
      <span>{localText(notice.text, locale)}</span>
      <button type="button" className="notice-close" aria-label={t("dismiss")} title={t("dismiss")} onClick={() => dismiss(notice.id)}>×</button>
    </div>
  );
}
