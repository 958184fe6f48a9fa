/**
 * The LevelDB underneath the keystore: how it is opened (with bounded memory)
 * and how its errors are told apart. Everything above works with `Db` and `BatchOp`.
 */
import { Level } from "level";
import { IntegrityError, KeystoreError } from "./errors.js";

export type Db = Level<string, Uint8Array>;
export type BatchOp = { type: "put"; key: string; value: Uint8Array } | { type: "del"; key: string };

/**
 * LevelDB's memory, set explicitly rather than left to classic-level's defaults. What the process
 * holds for LevelDB is about cacheSize + 2 x writeBufferSize + the open tables, and the open tables
 * are what grow with the store:
 *
 * - maxOpenFiles (classic-level: 1000) bounds LevelDB's table cache, and on 64-bit LevelDB reads
 *   tables through mmap. Every page of a table a read touches stays mapped, and counted in the RSS,
 *   until the table leaves the cache; random lookups over a large store touch most of each table
 *   (2 MiB, maxFileSize). A 1M-credential store has about 440 tables, so with the default the RSS
 *   grows towards the size of the whole store (840 MiB) as different credentials are read. 50 files
 *   (40 tables after LevelDB's 10 for its own use) bound the mapped tables to about 80 MiB and hold
 *   every table of a store up to about 90,000 credentials. Beyond that, reads miss the table cache
 *   and reopen tables: one RP's range scan at 1M takes about 0.22 ms instead of 0.09 ms.
 * - cacheSize (LevelDB's block cache, default 8 MiB): decompressed blocks, a bound of its own; the
 *   keystore's CredentialCache holds the decrypted records above it. Kept at 8 MiB.
 * - writeBufferSize (default 4 MiB): the memtable, up to two of them while one is flushed. Bulk
 *   fills want it; a serving process writes little (counters). Kept at 4 MiB.
 * - maxFileSize (default 2 MiB): the table size, which the mapped-table bound above is counted in.
 *
 * Iterators are left at classic-level's defaults: they do not fill the block cache, and each holds at
 * most highWaterMarkBytes (16 KiB) of entries ahead of the reader.
 */
const LEVEL_OPTIONS = {
  maxOpenFiles: 50,
  cacheSize: 8 * 2 ** 20,
  writeBufferSize: 4 * 2 ** 20,
  maxFileSize: 2 * 2 ** 20,
} as const;

export function openLevel(dir: string, createIfMissing: boolean): Promise<Db> {
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: "utf8", valueEncoding: "view", createIfMissing, errorIfExists: false, ...LEVEL_OPTIONS });
  return db.open().then(() => db);
}

/** LevelDB reports a held LOCK as LEVEL_LOCKED on the error or its cause ("lock ... already held by process"). */
export function isLockError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === "LEVEL_LOCKED") return true;
    if (/\block\b.*(held|unavailable|temporarily)/i.test(e.message)) return true;
  }
  return false;
}

/** The messages of the error and its causes: classic-level wraps what LevelDB said, and the inner message is the useful one. */
export function levelMessage(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) messages.push(e.message);
  return messages.join(": ");
}

/** LevelDB found its own files damaged (a table or the MANIFEST): LEVEL_CORRUPTION on the error or a cause. */
export function isCorruption(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === "LEVEL_CORRUPTION" || /\bCorruption:/.test(e.message)) return true;
  }
  return false;
}

/** Any other failure to open, with LevelDB's own words kept in the message; damage LevelDB reports is an integrity error. */
export function openFailed(dir: string, err: unknown): KeystoreError | IntegrityError {
  if (isCorruption(err)) return IntegrityError.forRecord(dir, `the store's database files (LevelDB: ${levelMessage(err)})`, err);
  return new KeystoreError("STORE_OPEN_FAILED", `could not open store ${dir}: ${levelMessage(err)}`, { cause: err });
}
