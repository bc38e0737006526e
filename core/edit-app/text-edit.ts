/** A replacement of `length` characters at `offset`: the smallest change an editor applies. */
export interface TextEdit {
  offset: number;
  length: number;
  text: string;
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.offset - a.offset)) {
    result = result.slice(0, edit.offset) + edit.text + result.slice(edit.offset + edit.length);
  }
  return result;
}

/**
 * The edits in document order, inserts at one offset joined into one edit in the order given:
 * two inserts at the same place would otherwise land in whatever order an editor picks.
 */
export function joinInserts(edits: readonly TextEdit[]): TextEdit[] {
  const sorted = edits.map((edit, index) => ({ edit, index })).sort((a, b) => a.edit.offset - b.edit.offset || a.index - b.index);
  const joined: TextEdit[] = [];
  for (const { edit } of sorted) {
    const last = joined[joined.length - 1];
    if (last && last.offset === edit.offset && last.length === 0) joined[joined.length - 1] = { ...edit, text: last.text + edit.text };
    else joined.push(edit);
  }
  return joined;
}

export function newlineOf(text: string): string {
  return text.includes("\r\n") ? "\r\n" : "\n";
}

/**
 * Plans edits as if the text ended with a line break, so that every entry is a whole line;
 * what lands beyond the real end is moved back onto it.
 */
export function asWholeLines(text: string, plan: (text: string) => TextEdit[]): TextEdit[] {
  if (text === "" || text.endsWith("\n")) return plan(text);
  const newline = newlineOf(text);
  return plan(text + newline).map((edit) => {
    if (edit.offset > text.length) return { offset: text.length, length: 0, text: newline + edit.text };
    if (edit.offset + edit.length > text.length) return { ...edit, length: text.length - edit.offset };
    return edit;
  });
}

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The start of the line after the one `end` closes (an `end` just past a line break is that start). */
export function nextLineStart(text: string, end: number): number {
  if (end > 0 && text[end - 1] === "\n") return end;
  const lineBreak = text.indexOf("\n", end);
  return lineBreak < 0 ? text.length : lineBreak + 1;
}
