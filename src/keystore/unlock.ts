/**
 * The passphrase check, before LevelDB opens the store: the header (header.ts) holds the salt,
 * the scrypt cost and the wrapped data key, so a wrong passphrase is refused without a file of the
 * store being touched, let alone rewritten.
 *
 * A store written by softkey 0.1.0 has no header: its unlock data is the `meta` record inside
 * LevelDB. It is read from a scratch copy (scratchCopy.ts), so a wrong passphrase leaves that
 * store as it was too; the right one writes the header, the first step of moving it to the
 * current format (lifecycle.ts does the rest).
 */
import type { KeyObject } from "node:crypto";
import { openFailed, openLevel } from "./database.js";
import { UnsealError, deriveKey, unwrapDataKey } from "./envelope.js";
import { IntegrityError, StoreFormatError, StoreNotFoundError, WrongPassphraseError } from "./errors.js";
import { HEADER_FILE, openHeaderState, readHeader, writeHeader, type Unlock } from "./header.js";
import { META_KEY } from "./keys.js";
import { FORMAT_VERSION, MetaFormatError, decodeLegacyMeta, metaVersion } from "./meta.js";
import { makeScratchCopy, removeScratchCopy } from "./scratchCopy.js";

export interface Unlocked {
  dataKey: KeyObject;
  unlock: Unlock;
  /** The generation the header records (0 when the store has no header to record one). */
  headerGeneration: number;
}

/**
 * The data key, once the passphrase has unwrapped it. `report` receives an integrity failure of
 * the header's state (and may throw it); `rescue` stores get no header written.
 */
export async function unlockStore(location: string, passphrase: string, report: (error: IntegrityError) => void, rescue = false): Promise<Unlocked> {
  const header = await readHeader(location);
  if (header === undefined) return unlockLegacyStore(location, passphrase, rescue);
  const dataKey = await unwrap(location, passphrase, header);
  let headerGeneration = 0;
  try {
    headerGeneration = openHeaderState(dataKey, header).generation;
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    report(error);
  }
  return { dataKey, unlock: { scrypt: header.scrypt, salt: header.salt, wrappedDataKey: header.wrappedDataKey }, headerGeneration };
}

async function unlockLegacyStore(location: string, passphrase: string, rescue: boolean): Promise<Unlocked> {
  const copy = await makeScratchCopy(location);
  let raw: Uint8Array | undefined;
  try {
    let db;
    try {
      db = await openLevel(copy, false);
    } catch (error) {
      throw openFailed(location, error);
    }
    try {
      raw = await db.get(META_KEY);
    } finally {
      await db.close();
    }
  } finally {
    await removeScratchCopy(copy);
  }
  if (raw === undefined) throw new StoreNotFoundError(location);
  let unlock: Unlock;
  try {
    if (metaVersion(raw) === FORMAT_VERSION) {
      // A current store whose header is gone: its unlock data went with it.
      throw IntegrityError.forRecord(HEADER_FILE, `the store header ${HEADER_FILE} (it is missing, and with it the wrapped data key)`);
    }
    const meta = decodeLegacyMeta(raw);
    unlock = { scrypt: meta.scrypt, salt: meta.salt, wrappedDataKey: meta.wrappedDataKey };
  } catch (error) {
    if (error instanceof MetaFormatError) throw new StoreFormatError(location, error.message, { cause: error });
    throw error;
  }
  const dataKey = await unwrap(location, passphrase, unlock);
  if (rescue) return { dataKey, unlock, headerGeneration: 0 };
  await writeHeader(location, dataKey, unlock, { generation: 1 });
  return { dataKey, unlock, headerGeneration: 1 };
}

/** Whether `passphrase` unwraps the data key of an open store (a second open in the same process): WrongPassphraseError if not. */
export async function verifyPassphrase(location: string, passphrase: string, unlock: Unlock): Promise<void> {
  await unwrap(location, passphrase, unlock);
}

async function unwrap(location: string, passphrase: string, unlock: Unlock): Promise<KeyObject> {
  const kek = await deriveKey(passphrase, unlock.salt, unlock.scrypt);
  try {
    return unwrapDataKey(kek, unlock.wrappedDataKey);
  } catch (error) {
    if (error instanceof UnsealError) throw new WrongPassphraseError(location);
    throw error;
  }
}
