/**
 * The credential records: put (one, many, an import), update, get, find, delete and scan. Their
 * contracts are documented on the Keystore methods that call them; what is here is how.
 *
 * A write that adds, replaces or deletes a credential is one batch: its record, its index entry (`i!`,
 * so an ID alone finds the record), its counter and the counts (counts.ts). Work on one credential
 * runs on its lane of the KeyedQueue; bulk writes run alone on the store.
 */
import type { CredentialRecord } from "../authenticator/store.js";
import { addDelta, type CountDelta, type CountsRecord, type CredentialCounts } from "./counts.js";
import type { CredentialCache } from "./credentialCache.js";
import { assertCredentialRecord, assertSignCount, forCaller, openCredential, sealCredential } from "./credentialRecord.js";
import type { BatchOp } from "./database.js";
import { CredentialNotFoundError, IntegrityError } from "./errors.js";
import { commit } from "./generation.js";
import { DiscoverableByUser } from "./discoverableByUser.js";
import { counterKey, credentialIdOfKey, credentialKey, credentialPrefix, fromHex, indexKey, prefixRange, toHex } from "./keys.js";
import { sealValue } from "./sealedValue.js";
import { assertOpen, type KeystoreState } from "./state.js";

export interface CorruptedCredential {
  credentialId: Uint8Array;
  error: IntegrityError;
}

export interface ScanResult {
  credentials: CredentialRecord[];
  /** Records that failed authentication; they do not stop the scan. */
  corrupted: CorruptedCredential[];
}

/** Records per batch in putCredentials: large enough to amortize a write, small enough to keep a batch a few hundred KiB. */
const BULK_CHUNK = 1000;

export class Credentials {
  private readonly users = new DiscoverableByUser();

  constructor(
    private readonly state: KeystoreState,
    private readonly cache: CredentialCache,
    private readonly counts: CountsRecord,
    /** The in-memory counters, dropped when a credential's records are rewritten or deleted. */
    private readonly counters: { forget(credentialIdHex: string): void },
  ) {}

  /** With `newId` no earlier record can hold the ID: the index is not read (a LevelDB miss costs tens of µs). */
  async put(record: CredentialRecord, initialSignCount = 0, newId = false): Promise<void> {
    assertOpen(this.state);
    assertCredentialRecord(record);
    assertSignCount(initialSignCount);
    const idHex = toHex(record.id);
    const rpHex = toHex(record.rpIdHash);
    const key = credentialKey(rpHex, idHex);
    const { sealed, decoded } = sealCredential(this.state.dataKey, key, record);
    await this.state.queue.run(idHex, async () => {
      const previousRp = newId ? undefined : await this.readIndex(idHex);
      const ops: BatchOp[] = [];
      if (previousRp !== undefined && previousRp !== rpHex) ops.push({ type: "del", key: credentialKey(previousRp, idHex) });
      ops.push(
        { type: "put", key, value: sealed },
        { type: "put", key: indexKey(idHex), value: Buffer.from(rpHex, "latin1") },
        { type: "put", key: counterKey(idHex), value: sealValue(this.state.dataKey, counterKey(idHex), initialSignCount) },
      );
      const delta = await this.replacementDelta(previousRp, idHex, record);
      await this.counts.batchWith(ops, delta);
      this.state.cacheGeneration++;
      if (previousRp !== undefined) {
        this.cache.delete(credentialKey(previousRp, idHex));
        this.users.removed(previousRp, idHex);
      }
      this.cache.set(key, decoded);
      this.users.written(rpHex, decoded);
      this.counters.forget(idHex);
    });
  }

  async putMany(records: readonly CredentialRecord[], initialSignCount = 0): Promise<void> {
    assertOpen(this.state);
    assertSignCount(initialSignCount);
    const seen = new Set<string>();
    for (const record of records) {
      assertCredentialRecord(record);
      const idHex = toHex(record.id);
      if (seen.has(idHex)) throw new TypeError(`credential ${idHex} appears twice in one putCredentials call`);
      seen.add(idHex);
    }
    for (let start = 0; start < records.length; start += BULK_CHUNK) {
      const chunk = records.slice(start, start + BULK_CHUNK);
      await this.state.queue.exclusive(() => this.putChunk(chunk, initialSignCount));
    }
  }

  async importAll(entries: readonly { record: CredentialRecord; signCount: number }[]): Promise<void> {
    assertOpen(this.state);
    const seen = new Set<string>();
    for (const { record, signCount } of entries) {
      assertCredentialRecord(record);
      assertSignCount(signCount);
      const idHex = toHex(record.id);
      if (seen.has(idHex)) throw new TypeError(`credential ${idHex} appears twice in one importCredentials call`);
      seen.add(idHex);
    }
    if (entries.length === 0) return;
    const records = entries.map((entry) => entry.record);
    const counts = entries.map((entry) => entry.signCount);
    await this.state.queue.exclusive(() => this.putChunk(records, counts));
  }

  private async putChunk(chunk: readonly CredentialRecord[], initialSignCount: number | readonly number[]): Promise<void> {
    assertOpen(this.state);
    const ids = chunk.map((record) => toHex(record.id));
    const previous = await this.state.db.getMany(ids.map(indexKey));
    const ops: BatchOp[] = [];
    const stale: string[] = [];
    const moved: [string, string][] = [];
    let delta: CountDelta = { total: 0, discoverable: 0 };
    for (let i = 0; i < chunk.length; i++) {
      const record = chunk[i]!;
      const idHex = ids[i]!;
      const rpHex = toHex(record.rpIdHash);
      const key = credentialKey(rpHex, idHex);
      const previousRp = previous[i] === undefined ? undefined : Buffer.from(previous[i]!).toString("latin1");
      delta = addDelta(delta, await this.replacementDelta(previousRp, idHex, record));
      if (previousRp !== undefined) {
        if (previousRp !== rpHex) ops.push({ type: "del", key: credentialKey(previousRp, idHex) });
        stale.push(credentialKey(previousRp, idHex), key);
        moved.push([previousRp, idHex]);
      }
      ops.push(
        { type: "put", key, value: sealValue(this.state.dataKey, key, record) },
        { type: "put", key: indexKey(idHex), value: Buffer.from(rpHex, "latin1") },
        { type: "put", key: counterKey(idHex), value: sealValue(this.state.dataKey, counterKey(idHex), typeof initialSignCount === "number" ? initialSignCount : initialSignCount[i]!) },
      );
    }
    await this.counts.batchWith(ops, delta);
    this.state.cacheGeneration++;
    for (const key of stale) this.cache.delete(key);
    for (const [rpHex, idHex] of moved) this.users.removed(rpHex, idHex);
    for (const record of chunk) this.users.written(toHex(record.rpIdHash), record);
    for (const idHex of ids) this.counters.forget(idHex);
  }

  async update(record: CredentialRecord): Promise<void> {
    assertOpen(this.state);
    assertCredentialRecord(record);
    const idHex = toHex(record.id);
    const rpHex = toHex(record.rpIdHash);
    const key = credentialKey(rpHex, idHex);
    const { sealed, decoded } = sealCredential(this.state.dataKey, key, record);
    await this.state.queue.run(idHex, async () => {
      if ((await this.readIndex(idHex)) !== rpHex) throw new CredentialNotFoundError(record.id);
      await commit(this.state, [{ type: "put", key, value: sealed }]);
      this.state.cacheGeneration++;
      this.cache.set(key, decoded);
      this.users.written(rpHex, decoded);
    });
  }

  /** The discoverable credential `rpIdHash` holds for this user handle, if any (see discoverableByUser.ts). */
  async findDiscoverable(rpIdHash: Uint8Array, userId: Uint8Array): Promise<CredentialRecord | undefined> {
    assertOpen(this.state);
    const rpHex = toHex(rpIdHash);
    const userHex = toHex(userId);
    let idHex = this.users.lookup(rpHex, userHex);
    if (idHex === undefined) {
      const generation = this.state.cacheGeneration;
      const found: { userHex: string; idHex: string }[] = [];
      await this.eachCredential(
        rpIdHash,
        (record) => {
          if (record.discoverable && record.user) found.push({ userHex: toHex(record.user.id), idHex: toHex(record.id) });
        },
        () => {}, // a record that fails its check holds no user anyone can find, as in a scan
      );
      // A write during the scan may have been missed: use what was found, keep nothing.
      if (generation === this.state.cacheGeneration) this.users.load(rpHex, found);
      idHex = found.find((entry) => entry.userHex === userHex)?.idHex ?? "none";
    }
    return idHex === "none" ? undefined : this.get(rpIdHash, fromHex(idHex));
  }

  /** After a factory reset: nothing is mapped. */
  forgetIndexes(): void {
    this.users.clear();
  }

  async get(rpIdHash: Uint8Array, credentialId: Uint8Array): Promise<CredentialRecord | undefined> {
    assertOpen(this.state);
    const key = credentialKey(toHex(rpIdHash), toHex(credentialId));
    const cached = this.cache.get(key);
    if (cached !== undefined) return forCaller(cached);
    return this.readCredential(key, credentialId);
  }

  async find(credentialId: Uint8Array): Promise<CredentialRecord | undefined> {
    assertOpen(this.state);
    const idHex = toHex(credentialId);
    // On the credential's lane so a concurrent delete cannot fall between the index read and the record read.
    return this.state.queue.run(idHex, async () => {
      const rpHex = await this.readIndex(idHex);
      if (rpHex === undefined) return undefined;
      const key = credentialKey(rpHex, idHex);
      const cached = this.cache.get(key);
      if (cached !== undefined) return forCaller(cached);
      const record = await this.readCredential(key, credentialId);
      if (record === undefined) {
        throw IntegrityError.forCredential(indexKey(idHex), credentialId, "index entry", new Error("it names a record that does not exist"));
      }
      return record;
    });
  }

  async delete(credentialId: Uint8Array): Promise<boolean> {
    assertOpen(this.state);
    const idHex = toHex(credentialId);
    return this.state.queue.run(idHex, async () => {
      const rpHex = await this.readIndex(idHex);
      if (rpHex === undefined) return false;
      const key = credentialKey(rpHex, idHex);
      // The index is written in one batch with the record: an index naming no record was tampered with.
      // Refuse rather than delete the counter and leave the real record behind without one.
      if ((await this.state.db.get(key)) === undefined) {
        throw IntegrityError.forCredential(indexKey(idHex), credentialId, "index entry", new Error("it names a record that does not exist"));
      }
      const discoverable = await this.discoverableForCount(key, credentialId);
      const delta: CountDelta = discoverable === undefined ? "unknown" : { total: -1, discoverable: discoverable ? -1 : 0 };
      await this.counts.batchWith(
        [
          { type: "del", key },
          { type: "del", key: indexKey(idHex) },
          { type: "del", key: counterKey(idHex) },
        ],
        delta,
      );
      this.state.cacheGeneration++;
      this.cache.delete(key);
      this.users.removed(rpHex, idHex);
      this.counters.forget(idHex);
      return true;
    });
  }

  async scan(rpIdHash?: Uint8Array): Promise<ScanResult> {
    assertOpen(this.state);
    const result: ScanResult = { credentials: [], corrupted: [] };
    await this.eachCredential(
      rpIdHash,
      (record) => result.credentials.push(forCaller(record)),
      (corrupted) => result.corrupted.push(corrupted),
    );
    return result;
  }

  /** Count every record as it streams past (corrupted ones included, in `total`), without collecting them. */
  async recount(): Promise<CredentialCounts> {
    const recount: CredentialCounts = { total: 0, discoverable: 0 };
    await this.eachCredential(
      undefined,
      (record) => {
        recount.total++;
        if (record.discoverable) recount.discoverable++;
      },
      () => recount.total++,
    );
    return recount;
  }

  /**
   * Visit every credential of one RP (or of all RPs) in key order, one record at a time, without
   * collecting them: a recount of a 1M-credential store must not hold 1M decrypted records.
   * `record` is the cached or freshly decrypted record itself: copy it before handing it out.
   */
  private async eachCredential(
    rpIdHash: Uint8Array | undefined,
    onRecord: (record: CredentialRecord) => void,
    onCorrupted: (corrupted: CorruptedCredential) => void,
  ): Promise<void> {
    const prefix = credentialPrefix(rpIdHash === undefined ? undefined : toHex(rpIdHash));
    for await (const [key, sealed] of this.state.db.iterator(prefixRange(prefix))) {
      const cached = this.cache.peek(key);
      if (cached !== undefined) {
        onRecord(cached);
        continue;
      }
      const credentialId = credentialIdOfKey(key);
      let record: CredentialRecord;
      try {
        record = openCredential(this.state.dataKey, key, sealed, credentialId);
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        onCorrupted({ credentialId, error: err });
        continue;
      }
      onRecord(record);
    }
  }

  /** How storing `record` changes the counts, given the RP its ID was filed under before (if any). */
  private async replacementDelta(previousRp: string | undefined, idHex: string, record: CredentialRecord): Promise<CountDelta> {
    const added = record.discoverable ? 1 : 0;
    if (previousRp === undefined) return { total: 1, discoverable: added };
    const before = await this.discoverableForCount(credentialKey(previousRp, idHex), record.id);
    return before === undefined ? "unknown" : { total: 0, discoverable: added - (before ? 1 : 0) };
  }

  /** Whether the record at `key` is discoverable; undefined when it is missing or fails authentication. */
  private async discoverableForCount(key: string, credentialId: Uint8Array): Promise<boolean | undefined> {
    const cached = this.cache.peek(key);
    if (cached !== undefined) return cached.discoverable;
    const sealed = await this.state.db.get(key);
    if (sealed === undefined) return undefined;
    try {
      return openCredential(this.state.dataKey, key, sealed, credentialId).discoverable;
    } catch (err) {
      if (err instanceof IntegrityError) return undefined;
      throw err;
    }
  }

  private async readIndex(idHex: string): Promise<string | undefined> {
    const value = await this.state.db.get(indexKey(idHex));
    return value === undefined ? undefined : Buffer.from(value).toString("latin1");
  }

  private async readCredential(key: string, credentialId: Uint8Array): Promise<CredentialRecord | undefined> {
    const generation = this.state.cacheGeneration;
    const sealed = await this.state.db.get(key);
    if (sealed === undefined) return undefined;
    const record = openCredential(this.state.dataKey, key, sealed, credentialId);
    if (generation === this.state.cacheGeneration) this.cache.set(key, record);
    return forCaller(record);
  }
}
