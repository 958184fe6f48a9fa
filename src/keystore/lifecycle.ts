/**
 * A store's life outside its records: finding one, creating one, opening one
 * (the passphrase unwraps the data key; see meta.ts and envelope.ts) and
 * rewrapping the data key under a new passphrase.
 */
import type { KeyObject } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { encodeValue } from "./codec.js";
import type { CredentialCounts } from "./counts.js";
import { isLockError, levelMessage, openFailed, openLevel, type Db } from "./database.js";
import {
  DEFAULT_SCRYPT,
  UnsealError,
  deriveKey,
  generateDataKey,
  randomSalt,
  seal,
  toKeyObject,
  unwrapDataKey,
  validateScryptParams,
  wrapDataKey,
} from "./envelope.js";
import { StoreExistsError, StoreFormatError, StoreLockedError, StoreNotFoundError, WrongPassphraseError } from "./errors.js";
import { COUNTS_KEY, META_KEY } from "./keys.js";
import { FORMAT_VERSION, decodeMeta, encodeMeta, type StoreMeta } from "./meta.js";
import { DIR_MODE, restrictPermissions } from "./permissions.js";
import type { ScryptParams } from "./records.js";
import { assertOpen, type KeystoreState } from "./state.js";

/** An unlocked store, ready to be wrapped in a Keystore. */
export interface OpenedStore {
  /** Absolute path of the store directory. */
  dir: string;
  db: Db;
  dataKey: KeyObject;
  params: ScryptParams;
  /** The counts a new store was created with (already on disk); unset when opening. */
  counts?: CredentialCounts;
}

/**
 * Turns an opened store into the Keystore. Called inside create's and open's error handling, so
 * that a constructor that throws (a bad cacheSize) gets the database closed, not leaked.
 */
export type WrapStore<T> = (opened: OpenedStore) => T;

/** Lane for passphrase changes; never a credential ID (those are hex). */
const META_LANE = "meta";

/** True when `dir` holds a LevelDB (its CURRENT file); does not open it, so works while another process has it open. */
export async function storeExists(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, "CURRENT"))).isFile();
  } catch {
    return false;
  }
}

/** Create a new store. Refuses a directory that already holds one. */
export async function createStore<T>(dir: string, passphrase: string, scrypt: ScryptParams | undefined, wrap: WrapStore<T>): Promise<T> {
  assertPassphrase(passphrase);
  const params: ScryptParams = { ...(scrypt ?? DEFAULT_SCRYPT) };
  validateScryptParams(params);
  const location = path.resolve(dir);
  // No exists() shortcut: a LevelDB left empty by a create that crashed before writing `meta`
  // must not block a second attempt. The check that counts is the one under the lock below.
  await mkdir(location, { recursive: true, mode: DIR_MODE });
  await restrictPermissions(location);

  let db: Db;
  try {
    db = await openLevel(location, true);
  } catch (err) {
    // Locked: another process is creating or using a store here right now.
    if (isLockError(err)) throw new StoreExistsError(location, { cause: err });
    throw openFailed(location, err);
  }
  try {
    // Under the lock, so two concurrent creates cannot both pass: anything in the database means a store is here.
    if ((await db.keys({ limit: 1 }).all()).length > 0) throw new StoreExistsError(location);
    const salt = randomSalt();
    const rawDataKey = generateDataKey();
    let meta: StoreMeta;
    let dataKey: KeyObject;
    try {
      const kek = await deriveKey(passphrase, salt, params);
      meta = { version: FORMAT_VERSION, kdf: "scrypt", scrypt: params, salt, wrappedDataKey: wrapDataKey(kek, rawDataKey) };
      dataKey = toKeyObject(rawDataKey);
    } finally {
      rawDataKey.fill(0);
    }
    const counts: CredentialCounts = { total: 0, discoverable: 0 };
    const countsPlain = encodeValue(counts);
    await db.batch([
      { type: "put", key: META_KEY, value: encodeMeta(meta) },
      { type: "put", key: COUNTS_KEY, value: seal(dataKey, countsPlain, COUNTS_KEY) },
    ]);
    await restrictPermissions(location);
    return wrap({ dir: location, db, dataKey, params, counts });
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Open an existing store. Nothing is written when the passphrase is wrong. */
export async function openStore<T>(dir: string, passphrase: string, wrap: WrapStore<T>): Promise<T> {
  assertPassphrase(passphrase);
  const location = path.resolve(dir);
  // Check before constructing Level: classic-level creates the directory even with createIfMissing: false.
  if (!(await storeExists(location))) throw new StoreNotFoundError(location);

  let db: Db;
  try {
    db = await openLevel(location, false);
  } catch (err) {
    if (isLockError(err)) throw new StoreLockedError(location, { cause: err });
    if (/does not exist/i.test(levelMessage(err))) throw new StoreNotFoundError(location);
    throw openFailed(location, err);
  }
  try {
    const raw = await db.get(META_KEY);
    if (raw === undefined) throw new StoreNotFoundError(location);
    let meta: StoreMeta;
    try {
      meta = decodeMeta(raw);
    } catch (err) {
      throw new StoreFormatError(location, (err as Error).message, { cause: err });
    }
    const kek = await deriveKey(passphrase, meta.salt, meta.scrypt);
    let dataKey: KeyObject;
    try {
      dataKey = unwrapDataKey(kek, meta.wrappedDataKey);
    } catch (err) {
      if (err instanceof UnsealError) throw new WrongPassphraseError(location);
      throw err;
    }
    await restrictPermissions(location);
    return wrap({ dir: location, db, dataKey, params: meta.scrypt });
  } catch (err) {
    await db.close();
    throw err;
  }
}

/**
 * Rewrap the data key under a new passphrase (and optionally a new scrypt
 * cost; the current one unless given). Records are untouched: they are sealed under the data key.
 */
export async function rewrapDataKey(state: KeystoreState, newPassphrase: string, scrypt: ScryptParams | undefined): Promise<void> {
  assertOpen(state);
  assertPassphrase(newPassphrase);
  const params: ScryptParams = { ...(scrypt ?? state.params) };
  validateScryptParams(params);
  await state.queue.run(META_LANE, async () => {
    const salt = randomSalt();
    const kek = await deriveKey(newPassphrase, salt, params);
    const rawDataKey = new Uint8Array(state.dataKey.export());
    let wrappedDataKey: Uint8Array;
    try {
      wrappedDataKey = wrapDataKey(kek, rawDataKey);
    } finally {
      rawDataKey.fill(0);
    }
    await state.db.put(META_KEY, encodeMeta({ version: FORMAT_VERSION, kdf: "scrypt", scrypt: params, salt, wrappedDataKey }));
    state.params = params;
  });
}

function assertPassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== "string") throw new TypeError("passphrase must be a string");
}
