import { create } from "tar";

/**
 * A .tgz of `files` (paths relative to `dir`) under the folder name `top`, the same bytes for
 * the same files: fixed order, fixed times, no owner names.
 */
export async function writeTarball(dir: string, files: readonly string[], top: string, out: string): Promise<void> {
  await create(
    {
      file: out,
      cwd: dir,
      gzip: true,
      portable: true,
      noDirRecurse: true,
      mtime: new Date(0),
      prefix: top,
    },
    [...files].sort(),
  );
}
