import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * A secret named in a binding, read on the box: $DENGTA_SECRET_<NAME> (dashes as underscores),
 * else a file of that name in systemd's $CREDENTIALS_DIRECTORY or in $DENGTA_CREDENTIALS. A file
 * others may read is refused: a password must not be readable by every user of the box.
 */
export function readSecret(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[`DENGTA_SECRET_${name.toUpperCase().replaceAll("-", "_")}`];
  if (fromEnv !== undefined) return fromEnv;
  for (const folder of [env.CREDENTIALS_DIRECTORY, env.DENGTA_CREDENTIALS]) {
    if (!folder) continue;
    const file = join(folder, name);
    if (!existsSync(file)) continue;
    if ((statSync(file).mode & 0o077) !== 0) throw new Error(`secret file ${file} may be read by others: chmod 600 it`);
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  }
  return undefined;
}
