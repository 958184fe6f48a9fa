/**
 * The store's generation: a number that every write of the keystore raises, kept sealed in the
 * `generation` record of the same batch as the write. A clean close writes it last (synced) and
 * records it in the header (header.ts), outside LevelDB; an open then refuses a database whose
 * generation is lower than the header's: a write was dropped or the database files were rolled
 * back. `softkey info` shows it, so a CI job can compare it across runs (a whole-store rollback,
 * header included, can only be seen from outside the store).
 *
 * Batches on different lanes run concurrently, and LevelDB may apply them in another order than
 * their numbers: within a session the stored value may trail the highest number handed out. At a
 * clean close nothing runs concurrently, so the final value is exact; that is the one the header
 * keeps, and a lower stored value is only ever the trail of a crash, never of a clean close.
 */
import type { BatchOp } from "./database.js";
import { IntegrityError } from "./errors.js";
import { GENERATION_KEY } from "./keys.js";
import { sealValue, unsealValue } from "./sealedValue.js";
import type { KeystoreState } from "./state.js";

export interface WriteOptions {
  /** fsync the log before acknowledging: for what a power cut must not take back (PIN retries, counter reservations). */
  sync?: boolean;
}

/** The op that records the next generation; add it to a batch that is about to be written. */
export function nextGenerationOp(state: KeystoreState): BatchOp {
  state.generation++;
  return { type: "put", key: GENERATION_KEY, value: sealValue(state.dataKey, GENERATION_KEY, state.generation) };
}

/** Write `ops` as one batch, with the next generation in it. */
export function commit(state: KeystoreState, ops: BatchOp[], options: WriteOptions = {}): Promise<void> {
  return state.db.batch([...ops, nextGenerationOp(state)], { sync: options.sync === true });
}

/** The generation stored in the database; undefined when there is none (a store from before generations). */
export async function readGeneration(state: Pick<KeystoreState, "db" | "dataKey">): Promise<number | undefined> {
  const sealed = await state.db.get(GENERATION_KEY);
  if (sealed === undefined) return undefined;
  const value = unsealValue(state.dataKey, GENERATION_KEY, sealed, (cause) => IntegrityError.forRecord(GENERATION_KEY, "the store generation", cause));
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw IntegrityError.forRecord(GENERATION_KEY, "the store generation", new Error("not a generation number"));
  }
  return value;
}
