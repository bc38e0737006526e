export type Locale = "en" | "zh-CN";

/** Chinese when asked for, or when the system locale is Chinese; English otherwise. */
export function detectLocale(explicit?: string, env: NodeJS.ProcessEnv = process.env): Locale {
  // POSIX: an empty variable counts as unset.
  const wanted = explicit || env.DENGTA_LANG || env.LC_ALL || env.LC_MESSAGES || env.LANG || "";
  return /^zh/i.test(wanted) ? "zh-CN" : "en";
}
