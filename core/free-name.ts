/**
 * `base`, or with a counter when `taken` has it: after a `_` when `base` ends in a digit
 * (`plc3_2`, not `plc32`), so the counter never reads as part of the name.
 */
export function freeName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  const separator = /[0-9]$/.test(base) ? "_" : "";
  for (let n = 2; ; n++) if (!used.has(`${base}${separator}${n}`)) return `${base}${separator}${n}`;
}
