/**
 * The keystore: an encrypted LevelDB holding credentials, their signature
 * counters and named settings. See keys.ts for the key layout, envelope.ts for
 * the encryption and signCounter.ts for the counter reservations.
 *
 * One process at a time: LevelDB's LOCK keeps others out while a store is
 * open, which is also what makes the in-memory caches coherent.
 *
 * Keystore is the one class callers use. It holds the state its parts share
 * (state.ts) and forwards to them: lifecycle.ts (create, open, passphrase),
 * credentials.ts, counts.ts, counters.ts and settings.ts. What spans every part
 * (close and the factory reset) stays here.
 */
import type { CredentialRecord, DeviceCounterName } from "../authenticator/store.js";
import { Counters } from "./counters.js";
import { CountsRecord, type CredentialCounts } from "./counts.js";
import { CredentialCache, DEFAULT_CACHE_SIZE } from "./credentialCache.js";
import { Credentials, type ScanResult } from "./credentials.js";
import type { Db } from "./database.js";
import { commit, nextGenerationOp } from "./generation.js";
import { writeHeader } from "./header.js";
import { KeyedQueue } from "./keyedQueue.js";
import { COUNTS_KEY, GENERATION_KEY, META_KEY, SETTINGS_MANIFEST_KEY, settingKey } from "./keys.js";
import { assertPassphrase, createStore, openStore, rewrapDataKey, storeExists, type OpenedStore } from "./lifecycle.js";
import { restrictPermissions } from "./permissions.js";
import type { ScryptParams } from "./records.js";
import { removeScratchCopy } from "./scratchCopy.js";
import { manifestOp, Settings } from "./settings.js";
import { assertOpen, type KeystoreState } from "./state.js";
import { verifyPassphrase } from "./unlock.js";

export interface KeystoreOptions {
  /** Decrypted credential records kept in memory (default 10,000; 0 disables). */
  cacheSize?: number;
}

export interface KeystoreOpenOptions extends KeystoreOptions {
  /**
   * Open a store that fails its store-wide checks (a dropped write, damaged logs, a damaged header)
   * to read what still verifies, for a rescue export: from a scratch copy that is never written
   * back, with what failed in `damage`. Records are still checked one by one as they are read.
   */
  rescue?: boolean;
}

/** What a test tool can compare across runs to notice a store put back to an older copy (`softkey info`). */
export interface StoreIntegrityInfo {
  /** Raised by every write; exact after a clean close. */
  generation: number;
  /** The highest signature counter of any credential (or the device-wide counter). */
  highestSignCount: number;
}

export interface CreateOptions extends KeystoreOptions {
  /** Passphrase KDF cost; DEFAULT_SCRYPT unless given. Tests use a low N for speed. */
  scrypt?: ScryptParams;
}

export type { CredentialCounts } from "./counts.js";
export type { CorruptedCredential, ScanResult } from "./credentials.js";

export class Keystore {
  /** Absolute path of the store directory. */
  readonly dir: string;
  private readonly state: KeystoreState;
  /**
   * The same database and record cache the parts use, also held under these names: tests reach for
   * `db` (to simulate a crash or a failed write) and `cache` (to check its bound).
   */
  private readonly db: Db;
  private readonly cache: CredentialCache;
  private readonly counters: Counters;
  private readonly settings: Settings;
  private readonly counts: CountsRecord;
  private readonly credentials: Credentials;

  private constructor({ dir, db, dataKey, unlock, generation, headerGeneration, counts, rescue }: OpenedStore, options: KeystoreOptions) {
    this.dir = dir;
    this.db = db;
    this.state = {
      dir,
      db,
      dataKey,
      params: unlock.scrypt,
      unlock,
      generation,
      headerGeneration,
      rescue,
      queue: new KeyedQueue(),
      cacheGeneration: 0,
      closing: undefined,
    };
    this.cache = new CredentialCache(options.cacheSize ?? DEFAULT_CACHE_SIZE);
    this.counters = new Counters(this.state);
    this.settings = new Settings(this.state);
    this.counts = new CountsRecord(this.state, counts);
    this.credentials = new Credentials(this.state, this.cache, this.counts, this.counters);
  }

  /** True once close() has begun: every read and write is refused from then on (StoreClosedError). */
  get closed(): boolean {
    return this.state.closing !== undefined;
  }

  /** The scrypt parameters the passphrase is currently derived with. */
  get scrypt(): ScryptParams {
    return { ...this.state.params };
  }

  // ---- lifecycle -------------------------------------------------------------

  /** True when `dir` holds a LevelDB (its CURRENT file); does not open it, so works while another process has it open. */
  static exists(dir: string): Promise<boolean> {
    return storeExists(dir);
  }

  /** Create a new store. Refuses a directory that already holds one. */
  static create(dir: string, passphrase: string, options: CreateOptions = {}): Promise<Keystore> {
    return createStore(dir, passphrase, options.scrypt, (opened) => new Keystore(opened, options));
  }

  /** Open an existing store. Nothing is written when the passphrase is wrong or the store fails its checks. */
  static open(dir: string, passphrase: string, options: KeystoreOpenOptions = {}): Promise<Keystore> {
    return openStore(dir, passphrase, (opened) => new Keystore(opened, options), { rescue: options.rescue === true });
  }

  /**
   * Check a passphrase against this open store's unlock data, as open() checks it (the same
   * scrypt derivation, the same WrongPassphraseError): for a second open in the same process,
   * which shares this store and must not get in with a wrong passphrase.
   */
  async verifyPassphrase(passphrase: string): Promise<void> {
    assertPassphrase(passphrase);
    assertOpen(this.state);
    await verifyPassphrase(this.dir, passphrase, this.state.unlock);
  }

  /** Opened with `rescue`: what failed the store-wide checks (empty when nothing did); undefined otherwise. */
  get damage(): readonly string[] | undefined {
    return this.state.rescue?.damage;
  }

  /**
   * Close the store. Waits for pending work, then writes back the exact last
   * signature count of every credential that has an unused reservation.
   */
  close(): Promise<void> {
    this.state.closing ??= this.shutdown();
    return this.state.closing;
  }

  private async shutdown(): Promise<void> {
    const { state } = this;
    let wrote = false;
    try {
      if (!state.rescue) {
        await state.queue.exclusive(async () => {
          await this.counters.settle();
          // The last write of the session carries its final generation, synced; the header then records it.
          if (state.generation !== state.headerGeneration) {
            await commit(state, [], { sync: true });
            wrote = true;
          }
        });
      }
    } finally {
      this.cache.clear();
      this.settings.clear();
      this.counters.forgetAll();
      await this.db.close();
      if (state.rescue) await removeScratchCopy(state.rescue.copy);
      else {
        if (wrote) {
          await writeHeader(this.dir, state.dataKey, state.unlock, { generation: state.generation });
          state.headerGeneration = state.generation;
        }
        await restrictPermissions(this.dir);
      }
    }
  }

  /**
   * Rewrap the data key under a new passphrase (and optionally a new scrypt
   * cost). Records are untouched: they are sealed under the data key.
   */
  changePassphrase(newPassphrase: string, options: { scrypt?: ScryptParams } = {}): Promise<void> {
    return rewrapDataKey(this.state, newPassphrase, options.scrypt);
  }

  // ---- credentials -----------------------------------------------------------

  /**
   * Store a credential with its counter, replacing any credential with the
   * same ID (also one filed under another RP). One batch: record, index, counter.
   */
  putCredential(record: CredentialRecord, initialSignCount = 0, options: { newId?: boolean } = {}): Promise<void> {
    return this.credentials.put(record, initialSignCount, options.newId === true);
  }

  /**
   * Store many credentials at once (filling a store, an import): each record is sealed on its own,
   * exactly as putCredential seals it, and every BULK_CHUNK records go to disk as one batch with
   * their index entries, counters and the updated counts. Each chunk runs alone on the store.
   * Replaces credentials with the same ID, like putCredential; IDs must be distinct within one call.
   */
  putCredentials(records: readonly CredentialRecord[], initialSignCount = 0): Promise<void> {
    return this.credentials.putMany(records, initialSignCount);
  }

  /**
   * Store credentials all or nothing (an import): every record with its own counter, its index entry
   * and the updated counts go to disk in one batch, alone on the store. Replaces credentials with the
   * same ID, like putCredential; IDs must be distinct within one call.
   */
  importCredentials(entries: readonly { record: CredentialRecord; signCount: number }[]): Promise<void> {
    return this.credentials.importAll(entries);
  }

  /** Rewrite an existing credential's record (e.g. new user info). Its counter is untouched. */
  updateCredential(record: CredentialRecord): Promise<void> {
    return this.credentials.update(record);
  }

  /** Point read (allowList lookup). Undefined when absent; IntegrityError when the record fails authentication. */
  getCredential(rpIdHash: Uint8Array, credentialId: Uint8Array): Promise<CredentialRecord | undefined> {
    return this.credentials.get(rpIdHash, credentialId);
  }

  /** Find a credential by ID alone, through the index. */
  findCredential(credentialId: Uint8Array): Promise<CredentialRecord | undefined> {
    return this.credentials.find(credentialId);
  }

  /** Delete a credential, its index entry and its counter in one batch. False when there was none. */
  deleteCredential(credentialId: Uint8Array): Promise<boolean> {
    return this.credentials.delete(credentialId);
  }

  /**
   * Every credential of one RP (a range scan: discoverable lookup), or of all
   * RPs when `rpIdHash` is omitted. A record that fails authentication is
   * reported in `corrupted` and does not hide the others.
   */
  /** The discoverable credential of this RP for this user handle, if any; a record that fails its check is passed over, as in a scan. */
  findDiscoverable(rpIdHash: Uint8Array, userId: Uint8Array): Promise<CredentialRecord | undefined> {
    return this.credentials.findDiscoverable(rpIdHash, userId);
  }

  scanCredentials(rpIdHash?: Uint8Array): Promise<ScanResult> {
    return this.credentials.scan(rpIdHash);
  }

  /**
   * `total` counts every credential record, corrupted ones included; `discoverable` those stored as
   * discoverable (a record that fails its integrity check later still holds its slot until deleted).
   * O(1) from a record kept with every credential write (counts.ts); a scan only when that record is missing.
   */
  countCredentials(): Promise<CredentialCounts> {
    return this.counts.count(() => this.credentials.recount());
  }

  // ---- signature counters ----------------------------------------------------

  /**
   * The next signature count: strictly greater than any value ever returned for
   * this credential, in this process or any earlier one, crashes included.
   * Rejects with CredentialNotFoundError for an unknown credential.
   */
  nextSignCount(credentialId: Uint8Array): Promise<number> {
    return this.counters.nextSignCount(credentialId);
  }

  /** The last signature count handed out; undefined for an unknown credential. */
  getSignCount(credentialId: Uint8Array): Promise<number | undefined> {
    return this.counters.getSignCount(credentialId);
  }

  /** Set the counter to exactly `value`, lower included (for simulating a cloned authenticator). */
  setSignCount(credentialId: Uint8Array, value: number): Promise<void> {
    return this.counters.setSignCount(credentialId, value);
  }

  /**
   * A device-wide counter (`global` for a device that counts signatures across
   * its credentials, `creations` for deterministic mode), with the same
   * guarantees as a credential's: never repeats, never goes backwards. It
   * starts at 0 and, like everything else, is gone after resetAuthenticator.
   */
  nextDeviceCount(name: DeviceCounterName): Promise<number> {
    return this.counters.nextDeviceCount(name);
  }

  getDeviceCount(name: DeviceCounterName): Promise<number> {
    return this.counters.getDeviceCount(name);
  }

  setDeviceCount(name: DeviceCounterName, value: number): Promise<void> {
    return this.counters.setDeviceCount(name, value);
  }

  // ---- settings ----------------------------------------------------------------

  /** A named setting (PIN state, configuration); any CBOR-encodable value. */
  getSetting<T>(name: string): Promise<T | undefined> {
    return this.settings.get<T>(name);
  }

  putSetting(name: string, value: unknown): Promise<void> {
    return this.settings.put(name, value);
  }

  deleteSetting(name: string): Promise<void> {
    return this.settings.delete(name);
  }

  /**
   * Factory reset: every credential, index entry, counter and setting goes in
   * one batch. The metadata (passphrase, data key) stays, so the store still opens.
   */
  async resetAuthenticator(options: { keep?: readonly string[] } = {}): Promise<void> {
    assertOpen(this.state);
    const keep = options.keep ?? [];
    const kept = new Set([META_KEY, COUNTS_KEY, SETTINGS_MANIFEST_KEY, GENERATION_KEY, ...keep.map(settingKey)]);
    await this.state.queue.exclusive(async () => {
      const manifest = manifestOp(this.state, await this.settings.manifestAfterReset(keep));
      // Still one batch, but built as the keys stream past: a chained batch goes straight into
      // LevelDB's write batch, with no array of every key (3 per credential) and its ops in the heap.
      const batch = this.state.db.batch();
      try {
        for await (const key of this.state.db.keys()) if (!kept.has(key)) batch.del(key);
        for (const op of [manifest, nextGenerationOp(this.state)]) if (op.type === "put") batch.put(op.key, op.value);
        await this.counts.writeReset(batch);
      } finally {
        await batch.close(); // idempotent: a no-op after write(); discards the batch after an error
      }
      this.state.cacheGeneration++;
      this.cache.clear();
      this.credentials.forgetIndexes();
      this.settings.clear();
      this.counters.forgetAll();
    });
  }

  /** The store's generation and highest signature counter (a scan of the counters), for `softkey info`. */
  integrityInfo(): Promise<StoreIntegrityInfo> {
    assertOpen(this.state);
    return this.state.queue.exclusive(async () => ({ generation: this.state.generation, highestSignCount: await this.counters.highest() }));
  }
}

