/**
 * A bounded cache of decrypted credential records, keyed by database key.
 *
 * Coherent because the process holds LevelDB's lock: nobody else writes the
 * store while it is open, and the keystore invalidates on every write of its own.
 * Repeated assertions for one credential then skip the read and the decryption.
 * Least recently used entries go first when full.
 */
import type { CredentialRecord } from "../authenticator/store.js";

export const DEFAULT_CACHE_SIZE = 10_000;

export class CredentialCache {
  private readonly entries = new Map<string, CredentialRecord>();

  constructor(readonly capacity: number = DEFAULT_CACHE_SIZE) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`cache size must be a non-negative integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Look up and mark as recently used. */
  get(key: string): CredentialRecord | undefined {
    const record = this.entries.get(key);
    if (record !== undefined) {
      // Map iteration order is insertion order: re-inserting moves the entry to the young end.
      this.entries.delete(key);
      this.entries.set(key, record);
    }
    return record;
  }

  /** Look up without changing the eviction order (scans should not flush the hot set). */
  peek(key: string): CredentialRecord | undefined {
    return this.entries.get(key);
  }

  set(key: string, record: CredentialRecord): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, record);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
