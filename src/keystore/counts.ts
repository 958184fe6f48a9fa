/**
 * The credential counts in O(1): getInfo asks on every call, so the counts are a sealed record kept
 * in the same batch as every credential write rather than a scan (which decrypts every record:
 * seconds at 1M). A store without a valid counts record (older, tampered with, or after deleting an
 * unreadable record) is recounted once, by a scan, and the record written back.
 */
import { decodeValue } from "./codec.js";
import type { BatchOp } from "./database.js";
import { unseal } from "./envelope.js";
import { commit } from "./generation.js";
import { COUNTS_KEY } from "./keys.js";
import { sealValue } from "./sealedValue.js";
import { assertOpen, type KeystoreState } from "./state.js";

/** How many credentials the store holds: `total` records, of which `discoverable` were stored as discoverable. */
export interface CredentialCounts {
  total: number;
  discoverable: number;
}

/** A change to the counts, or "unknown" when a record it depends on could not be read. */
export type CountDelta = CredentialCounts | "unknown";

/** The part of a LevelDB chained batch a reset hands over. */
interface ResetBatch {
  put(key: string, value: Uint8Array): unknown;
  write(options?: { sync?: boolean }): Promise<void>;
}

export class CountsRecord {
  /**
   * The credential counts as the `counts` record holds them: undefined until first read, null when
   * there is no valid record (a store from before it existed, a tampered record, or a delete of a
   * record that could not be read), in which case count() recounts once and writes it back.
   */
  private counts: CredentialCounts | null | undefined;
  /**
   * Serializes every write that changes the counts (puts and deletes of any credential, reset), so
   * counts records reach the disk in the order they were computed. Not a KeyedQueue lane: it is
   * taken while holding a credential's lane, and must not wait for an exclusive barrier.
   */
  private lock: Promise<unknown> = Promise.resolve();

  /** `initial`: the counts of a store just created, already on disk. */
  constructor(
    private readonly state: KeystoreState,
    initial?: CredentialCounts,
  ) {
    this.counts = initial;
  }

  /** The counts; when there is no valid record, `recount` scans the records and the result is written back. */
  async count(recount: () => Promise<CredentialCounts>): Promise<CredentialCounts> {
    assertOpen(this.state);
    if (this.counts) return { ...this.counts };
    return this.withLock(async () => {
      const counts = await this.current();
      if (counts !== null) return { ...counts };
      const recounted = await recount();
      await commit(this.state, [{ type: "put", key: COUNTS_KEY, value: sealValue(this.state.dataKey, COUNTS_KEY, recounted) }]);
      this.counts = recounted;
      return { ...recounted };
    });
  }

  /**
   * Write `ops` with the counts changed by `delta`, in one batch. When the counts are not known
   * (or `delta` is "unknown") the counts record is removed instead, so the next count() recounts.
   */
  async batchWith(ops: BatchOp[], delta: CountDelta): Promise<void> {
    await this.withLock(async () => {
      const counts = await this.current();
      let next: CredentialCounts | null = null;
      if (counts !== null && delta !== "unknown") {
        next = { total: counts.total + delta.total, discoverable: counts.discoverable + delta.discoverable };
        if (next.total < 0 || next.discoverable < 0 || next.discoverable > next.total) next = null;
      }
      if (next !== null) ops.push({ type: "put", key: COUNTS_KEY, value: sealValue(this.state.dataKey, COUNTS_KEY, next) });
      else if (counts !== null) ops.push({ type: "del", key: COUNTS_KEY });
      await commit(this.state, ops);
      this.counts = next;
    });
  }

  /** Write a reset's batch, which deletes every credential, with the counts at zero in it; synced, as it takes the PIN away. */
  async writeReset(batch: ResetBatch): Promise<void> {
    const empty: CredentialCounts = { total: 0, discoverable: 0 };
    batch.put(COUNTS_KEY, sealValue(this.state.dataKey, COUNTS_KEY, empty));
    await this.withLock(async () => {
      await batch.write({ sync: true });
      this.counts = empty;
    });
  }

  /** Runs `task` holding the count lock (see `lock`). */
  private withLock<T>(task: () => Promise<T>): Promise<T> {
    const result = this.lock.then(task);
    this.lock = result.catch(() => undefined);
    return result;
  }

  /** The counts from memory or the counts record; null when there is no valid record. Call holding the count lock. */
  private async current(): Promise<CredentialCounts | null> {
    if (this.counts !== undefined) return this.counts;
    const sealed = await this.state.db.get(COUNTS_KEY);
    let counts: CredentialCounts | null = null;
    if (sealed !== undefined) {
      try {
        const value = decodeValue(unseal(this.state.dataKey, sealed, COUNTS_KEY));
        if (isCounts(value)) counts = { total: value.total, discoverable: value.discoverable };
      } catch {
        // A counts record that fails authentication is not trusted: count() recounts from the records.
      }
    }
    this.counts = counts;
    return counts;
  }
}

export function addDelta(a: CountDelta, b: CountDelta): CountDelta {
  if (a === "unknown" || b === "unknown") return "unknown";
  return { total: a.total + b.total, discoverable: a.discoverable + b.discoverable };
}

function isCounts(value: unknown): value is CredentialCounts {
  if (typeof value !== "object" || value === null) return false;
  const { total, discoverable } = value as Partial<CredentialCounts>;
  return Number.isSafeInteger(total) && Number.isSafeInteger(discoverable) && total! >= 0 && discoverable! >= 0 && discoverable! <= total!;
}
