/**
 * File modes of the store: directory 0700, LevelDB's files 0600.
 *
 * Set explicitly with chmod rather than through process.umask, which is
 * process-wide and would race with everything else in the process. LevelDB
 * creates files under the umask; the keystore re-applies these modes after
 * create, open and close. Files LevelDB adds in between (log rotation,
 * compaction) are already unreachable to others through the 0700 directory.
 */
import { chmod, readdir } from "node:fs/promises";
import path from "node:path";

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** The files LevelDB writes in its directory, and softkey's header (header.ts); anything else there (a README) is left alone. */
const LEVELDB_FILE = /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(log|ldb|sst|dbtmp)|SOFTKEY|SOFTKEY\.tmp)$/;

export async function restrictPermissions(dir: string): Promise<void> {
  if (process.platform === "win32") return; // POSIX modes do not apply
  await chmod(dir, DIR_MODE);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !LEVELDB_FILE.test(entry.name)) continue;
    try {
      await chmod(path.join(dir, entry.name), FILE_MODE);
    } catch (err) {
      // LevelDB may delete an obsolete file between readdir and chmod.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}
