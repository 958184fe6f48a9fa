/**
 * What the parts of one open keystore share (credentials, counts, settings,
 * counters, lifecycle). The Keystore makes one and hands it to each part, so
 * the parts need not know each other to agree on the database, the data key,
 * the lanes and whether the store is closing.
 */
import type { KeyObject } from "node:crypto";
import type { Db } from "./database.js";
import { StoreClosedError } from "./errors.js";
import type { Unlock } from "./header.js";
import type { KeyedQueue } from "./keyedQueue.js";
import type { ScryptParams } from "./records.js";

export interface KeystoreState {
  /** Absolute path of the store directory. */
  readonly dir: string;
  readonly db: Db;
  readonly dataKey: KeyObject;
  /** The scrypt parameters the passphrase is currently derived with. */
  params: ScryptParams;
  /** What the header holds to unlock the store (rewritten by a passphrase change). */
  unlock: Unlock;
  /** The highest generation handed to a batch (generation.ts). */
  generation: number;
  /** The generation the header records; a clean close raises it to `generation`. */
  headerGeneration: number;
  /**
   * A rescue: the database is a scratch copy of a damaged store (scratchCopy.ts), read and never
   * written back; `damage` says what failed to verify when it was opened.
   */
  rescue: { copy: string; damage: string[] } | undefined;
  /** One lane per credential ID (and per device counter, and one for the metadata); see keyedQueue.ts. */
  readonly queue: KeyedQueue;
  /**
   * Bumped by every write that invalidates cached records or settings, so a
   * read that started before the write does not put a stale value into a cache.
   */
  cacheGeneration: number;
  /** Set once close() has begun; everything after that is refused. */
  closing: Promise<void> | undefined;
}

export function assertOpen(state: KeystoreState): void {
  if (state.closing !== undefined) throw new StoreClosedError(state.dir);
}

/** `task()`, or a rejection once the store is closing: for methods that are not async (the counters) but must still reject, not throw. */
export function whenOpen<T>(state: KeystoreState, task: () => Promise<T>): Promise<T> {
  if (state.closing !== undefined) return Promise.reject(new StoreClosedError(state.dir));
  return task();
}
