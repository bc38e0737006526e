// Files blocks write for people (pictures, reports): written beside and renamed into place, so a
// power cut or a reader opening the file meanwhile sees the old one or the whole new one, never half.
import { rename, writeFile } from "node:fs/promises";

export async function writeAtomically(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}
