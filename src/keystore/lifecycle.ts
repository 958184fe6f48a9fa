/**
 * A store's life outside its records: finding one, creating one, opening one and rewrapping its
 * data key under a new passphrase.
 *
 * Opening checks, in this order, before anything is written: the passphrase (from the header file,
 * unlock.ts, so LevelDB has not touched a file when it is wrong), LevelDB's logs (logCheck.ts: a
 * damaged record would be silently dropped on open), then, with LevelDB open, the generation
 * against the header's (generation.ts: a dropped or rolled-back write). A store written by softkey
 * 0.1.0 is moved to the current format on its first open with the right passphrase.
 */
import type { KeyObject } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { encodeValue } from "./codec.js";
import type { CredentialCounts } from "./counts.js";
import { isLockError, levelMessage, openFailed, openLevel, type Db } from "./database.js";
import { DEFAULT_SCRYPT, deriveKey, generateDataKey, randomSalt, seal, toKeyObject, validateScryptParams, wrapDataKey } from "./envelope.js";
import { IntegrityError, StoreExistsError, StoreFormatError, StoreLockedError, StoreNotFoundError } from "./errors.js";
import { readGeneration } from "./generation.js";
import { writeHeader, type Unlock } from "./header.js";
import { COUNTS_KEY, GENERATION_KEY, META_KEY, SETTINGS_MANIFEST_KEY, prefixRange } from "./keys.js";
import { checkLevelDbLogs } from "./logCheck.js";
import { FORMAT_VERSION, LEGACY_FORMAT_VERSION, MetaFormatError, encodeMeta, metaVersion } from "./meta.js";
import { DIR_MODE, restrictPermissions } from "./permissions.js";
import type { ScryptParams } from "./records.js";
import { makeScratchCopy, removeScratchCopy } from "./scratchCopy.js";
import { sealValue } from "./sealedValue.js";
import { settingDigest, type SettingsManifest } from "./settings.js";
import { assertOpen, type KeystoreState } from "./state.js";
import { unlockStore } from "./unlock.js";

/** An unlocked store, ready to be wrapped in a Keystore. */
export interface OpenedStore {
  /** Absolute path of the store directory. */
  dir: string;
  db: Db;
  dataKey: KeyObject;
  unlock: Unlock;
  /** The database's generation now, and the header's. */
  generation: number;
  headerGeneration: number;
  /** The counts a new store was created with (already on disk); unset when opening. */
  counts?: CredentialCounts;
  rescue?: { copy: string; damage: string[] };
}

/**
 * Turns an opened store into the Keystore. Called inside create's and open's error handling, so
 * that a constructor that throws (a bad cacheSize) gets the database closed, not leaked.
 */
export type WrapStore<T> = (opened: OpenedStore) => T;

export interface OpenStoreOptions {
  /**
   * Open a damaged store to read what still verifies (a rescue export): from a scratch copy, never
   * written; what fails the store-wide checks is reported in `damage` instead of refusing.
   */
  rescue?: boolean;
}

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
    let unlock: Unlock;
    let dataKey: KeyObject;
    try {
      const kek = await deriveKey(passphrase, salt, params);
      unlock = { scrypt: params, salt, wrappedDataKey: wrapDataKey(kek, rawDataKey) };
      dataKey = toKeyObject(rawDataKey);
    } finally {
      rawDataKey.fill(0);
    }
    const counts: CredentialCounts = { total: 0, discoverable: 0 };
    // The header first: a crash before the database batch leaves an empty database, which a new create may take.
    await writeHeader(location, dataKey, unlock, { generation: 1 });
    await db.batch(
      [
        { type: "put", key: META_KEY, value: encodeMeta() },
        { type: "put", key: COUNTS_KEY, value: seal(dataKey, encodeValue(counts), COUNTS_KEY) },
        { type: "put", key: SETTINGS_MANIFEST_KEY, value: sealValue(dataKey, SETTINGS_MANIFEST_KEY, {}) },
        { type: "put", key: GENERATION_KEY, value: sealValue(dataKey, GENERATION_KEY, 1) },
      ],
      { sync: true },
    );
    await restrictPermissions(location);
    return wrap({ dir: location, db, dataKey, unlock, generation: 1, headerGeneration: 1, counts });
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Open an existing store. Nothing is written when the passphrase is wrong, or when the store fails its checks. */
export async function openStore<T>(dir: string, passphrase: string, wrap: WrapStore<T>, options: OpenStoreOptions = {}): Promise<T> {
  assertPassphrase(passphrase);
  const location = path.resolve(dir);
  // Check before constructing Level: classic-level creates the directory even with createIfMissing: false.
  if (!(await storeExists(location))) throw new StoreNotFoundError(location);
  const damage: string[] = [];
  const report = (error: IntegrityError): void => {
    if (!options.rescue) throw error;
    damage.push(error.message);
  };

  const unlocked = await unlockStore(location, passphrase, report, options.rescue === true);
  const logDamage = await checkLevelDbLogs(location);
  if (logDamage.length > 0) {
    const where = logDamage.map((d) => `${d.file} at byte ${d.offset}: ${d.problem}`).join("; ");
    report(IntegrityError.forRecord(location, `LevelDB's log (${where}; opening it would silently drop that write)`));
  }

  const copy = options.rescue ? await makeScratchCopy(location) : undefined;
  let db: Db;
  try {
    db = await openLevel(copy ?? location, false);
  } catch (err) {
    if (copy) await removeScratchCopy(copy);
    if (isLockError(err)) throw new StoreLockedError(location, { cause: err });
    if (/does not exist/i.test(levelMessage(err))) throw new StoreNotFoundError(location);
    throw openFailed(location, err);
  }
  try {
    const raw = await db.get(META_KEY);
    if (raw === undefined) throw new StoreNotFoundError(location);
    let version: number;
    try {
      version = metaVersion(raw);
    } catch (err) {
      throw new StoreFormatError(location, (err as MetaFormatError).message, { cause: err });
    }
    if (version === LEGACY_FORMAT_VERSION && !copy) await migrate(location, db, unlocked.dataKey, unlocked.headerGeneration);
    else if (version !== FORMAT_VERSION && version !== LEGACY_FORMAT_VERSION) {
      throw new StoreFormatError(location, `unsupported store format version ${version} (this softkey reads versions ${LEGACY_FORMAT_VERSION} and ${FORMAT_VERSION})`);
    }
    const generation = (await readGeneration({ db, dataKey: unlocked.dataKey })) ?? 0;
    if (generation < unlocked.headerGeneration) {
      report(
        IntegrityError.forRecord(
          GENERATION_KEY,
          `the store generation (the database is at ${generation} but was closed at ${unlocked.headerGeneration}: a write was dropped or the database files were rolled back)`,
        ),
      );
    }
    if (!copy) await restrictPermissions(location);
    return wrap({
      dir: location,
      db,
      dataKey: unlocked.dataKey,
      unlock: unlocked.unlock,
      generation,
      headerGeneration: unlocked.headerGeneration,
      ...(copy ? { rescue: { copy, damage } } : {}),
    });
  } catch (err) {
    await db.close();
    if (copy) await removeScratchCopy(copy);
    throw err;
  }
}

/**
 * Move a softkey 0.1.0 store to the current format, on its first open with the right passphrase (the
 * header file was written by unlockStore): the metadata record becomes the version alone, and the
 * settings present now are the ones the new manifest names. One synced batch; run again if a crash
 * interrupts it.
 */
async function migrate(location: string, db: Db, dataKey: KeyObject, headerGeneration: number): Promise<void> {
  const manifest: SettingsManifest = {};
  for await (const [key, sealed] of db.iterator(prefixRange("s!"))) manifest[key.slice(2)] = settingDigest(sealed);
  const generation = Math.max(1, headerGeneration);
  await db.batch(
    [
      { type: "put", key: META_KEY, value: encodeMeta() },
      { type: "put", key: SETTINGS_MANIFEST_KEY, value: sealValue(dataKey, SETTINGS_MANIFEST_KEY, manifest) },
      { type: "put", key: GENERATION_KEY, value: sealValue(dataKey, GENERATION_KEY, generation) },
    ],
    { sync: true },
  );
  await restrictPermissions(location);
}

/**
 * Rewrap the data key under a new passphrase (and optionally a new scrypt cost; the current one
 * unless given): a new header, written whole. Records are untouched: they are sealed under the data key.
 */
export async function rewrapDataKey(state: KeystoreState, newPassphrase: string, scrypt: ScryptParams | undefined): Promise<void> {
  assertOpen(state);
  assertPassphrase(newPassphrase);
  if (state.rescue) throw new TypeError("a store opened for rescue is read-only");
  const params: ScryptParams = { ...(scrypt ?? state.params) };
  validateScryptParams(params);
  await state.queue.run(META_LANE, async () => {
    const salt = randomSalt();
    const kek = await deriveKey(newPassphrase, salt, params);
    const rawDataKey = new Uint8Array(state.dataKey.export());
    let unlock: Unlock;
    try {
      unlock = { scrypt: params, salt, wrappedDataKey: wrapDataKey(kek, rawDataKey) };
    } finally {
      rawDataKey.fill(0);
    }
    await writeHeader(state.dir, state.dataKey, unlock, { generation: state.headerGeneration });
    state.unlock = unlock;
    state.params = params;
  });
}

export function assertPassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== "string") throw new TypeError("passphrase must be a string");
}
