/**
 * A throw-away copy of a store's LevelDB, for reading it without LevelDB writing into the store.
 * Opening a LevelDB rewrites its MANIFEST, CURRENT and LOG and turns its logs into a table; two
 * reads must not do that to the real store:
 *
 * - a store written by softkey 0.1.0 keeps its unlock data in the `meta` record, inside LevelDB:
 *   the passphrase is checked on a copy, so a wrong one changes nothing (lifecycle.ts);
 * - a rescue export of a damaged store reads what still verifies from a copy, so the store and
 *   its refusal stay as they were (`Keystore.open(..., { rescue: true })`).
 *
 * Table files never change once written, so they are hard-linked where the file system allows
 * (copied where it does not); the logs, MANIFEST and CURRENT are copied. The copy is 0700 under
 * the system's temporary directory and removed afterwards.
 */
import { copyFile, link, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** What LevelDB reads on open; LOCK, its text LOG and softkey's own header stay behind. */
const DATA_FILE = /^(CURRENT|MANIFEST-\d+|\d+\.(log|ldb|sst))$/;
const IMMUTABLE_TABLE = /^\d+\.(ldb|sst)$/;

/** A copy of `dir`'s LevelDB files in a new temporary directory; remove it with `removeScratchCopy`. */
export async function makeScratchCopy(dir: string): Promise<string> {
  const copy = await mkdtemp(path.join(tmpdir(), "softkey-copy-"));
  try {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isFile() || !DATA_FILE.test(entry.name)) continue;
      const from = path.join(dir, entry.name);
      const to = path.join(copy, entry.name);
      if (IMMUTABLE_TABLE.test(entry.name)) {
        try {
          await link(from, to);
          continue;
        } catch {
          // another file system, or links not allowed: copy instead
        }
      }
      await copyFile(from, to);
    }
    return copy;
  } catch (error) {
    await removeScratchCopy(copy);
    throw error;
  }
}

export async function removeScratchCopy(copy: string): Promise<void> {
  await rm(copy, { recursive: true, force: true });
}
