/**
 * Signature counters with a write-ahead reservation.
 *
 * What is persisted for a credential is a ceiling: no value above it has ever
 * been handed out. A value is handed out only once the ceiling covering it is
 * on disk, so a crash (even SIGKILL mid-write) can make the counter jump
 * forward, never backwards: the next process starts at ceiling + 1.
 *
 * The first reservation of a process is exactly one, so one signature per
 * process (the CLI) gives 1, 2, 3, ... with no gaps. A process that keeps
 * signing for the same credential doubles the reservation each time it runs
 * out (1, 2, 4, ... up to 1024), so a hot loop writes about once per 1024
 * signatures. close() writes the exact last value back, so a clean shutdown
 * leaves no gap either.
 *
 * Calls for one credential are serialized on the keystore's per-credential
 * lane; when a reservation still has room and nothing is queued, the next
 * value is handed out without touching the queue or the disk.
 *
 * The states kept in memory are bounded, so that a process signing for a
 * million different credentials does not keep a million of them: past
 * `limit`, the oldest states whose reservation is spent (nothing reserved
 * beyond the last value, so the store holds exactly that value) are dropped.
 * Reloading one gives the same next value, with no gap. A credential with
 * room left in its reservation keeps its state until it is spent or the
 * process closes.
 */
import type { KeyedQueue } from "./keyedQueue.js";

export const MAX_RESERVATION = 1024;

/** How many counter states a process keeps before it drops spent ones: about 165 bytes each (a Map of 200,000, measured). */
export const COUNTER_STATES_KEPT = 100_000;

/** Where the counter ceilings live; the keystore seals them into `n!` records. */
export interface CounterStorage {
  /** The persisted value, or undefined when the credential has no counter (no such credential). */
  read(credentialIdHex: string): Promise<number | undefined>;
  write(credentialIdHex: string, value: number): Promise<void>;
  /** Write several counters atomically (one batch). */
  writeMany(entries: ReadonlyArray<readonly [credentialIdHex: string, value: number]>): Promise<void>;
}

interface CounterState {
  /** The last value handed out (or the persisted value, before the first one). */
  last: number;
  /** The persisted ceiling. Invariant: last <= ceiling. */
  ceiling: number;
  /** Size of the previous reservation in this process; 0 before the first. */
  step: number;
}

export class SignCounter {
  /** In load order, so the oldest come first. */
  private readonly states = new Map<string, CounterState>();
  /** The size at which to look for spent states again: a search that finds too few waits until a tenth of `limit` more are loaded. */
  private nextTrimAt: number;

  constructor(
    private readonly queue: KeyedQueue,
    private readonly storage: CounterStorage,
    /** Thrown when a credential has no counter record. */
    private readonly notFound: (credentialIdHex: string) => Error,
    private readonly limit = COUNTER_STATES_KEPT,
  ) {
    this.nextTrimAt = limit + 1;
  }

  /** How many credentials' (and device counters') states are held in memory. */
  get heldStates(): number {
    return this.states.size;
  }

  /** A value strictly greater than every value ever returned for this credential. */
  next(credentialIdHex: string): Promise<number> {
    const state = this.states.get(credentialIdHex);
    if (state !== undefined && state.last < state.ceiling && this.queue.isIdle(credentialIdHex)) {
      state.last += 1;
      return Promise.resolve(state.last);
    }
    return this.queue.run(credentialIdHex, () => this.reserveAndNext(credentialIdHex));
  }

  /** The last value handed out (the persisted value if none yet in this process); undefined for an unknown credential. */
  get(credentialIdHex: string): Promise<number | undefined> {
    const state = this.states.get(credentialIdHex);
    if (state !== undefined && this.queue.isIdle(credentialIdHex)) return Promise.resolve(state.last);
    return this.queue.run(credentialIdHex, async () => {
      const current = this.states.get(credentialIdHex);
      return current !== undefined ? current.last : this.storage.read(credentialIdHex);
    });
  }

  /** Set the counter to exactly `value` (which may be lower: simulating a cloned authenticator is the point). */
  set(credentialIdHex: string, value: number): Promise<void> {
    if (!Number.isSafeInteger(value) || value < 0) {
      return Promise.reject(new RangeError(`sign count must be a non-negative integer, got ${value}`));
    }
    return this.queue.run(credentialIdHex, async () => {
      if (!this.states.has(credentialIdHex) && (await this.storage.read(credentialIdHex)) === undefined) {
        throw this.notFound(credentialIdHex);
      }
      await this.storage.write(credentialIdHex, value);
      this.states.set(credentialIdHex, { last: value, ceiling: value, step: 0 });
    });
  }

  /** The last value handed out in this process, if any; for a caller that holds every lane (`queue.exclusive`). */
  lastHandedOut(credentialIdHex: string): number | undefined {
    return this.states.get(credentialIdHex)?.last;
  }

  /** Drop the in-memory state of one credential (its record was rewritten or deleted). Call on its lane. */
  forget(credentialIdHex: string): void {
    this.states.delete(credentialIdHex);
  }

  forgetAll(): void {
    this.states.clear();
  }

  /**
   * Persist the exact last value of every credential with unused reservation,
   * so a clean shutdown leaves no gap. Call inside `queue.exclusive`.
   */
  async settle(): Promise<void> {
    const unused: Array<[string, number]> = [];
    for (const [idHex, state] of this.states) if (state.last < state.ceiling) unused.push([idHex, state.last]);
    if (unused.length === 0) return;
    await this.storage.writeMany(unused);
    for (const [idHex, last] of unused) {
      const state = this.states.get(idHex);
      if (state !== undefined) state.ceiling = last;
    }
  }

  private async reserveAndNext(credentialIdHex: string): Promise<number> {
    const state = this.states.get(credentialIdHex) ?? (await this.load(credentialIdHex));
    if (state.last >= state.ceiling) {
      const step = state.step === 0 ? 1 : Math.min(state.step * 2, MAX_RESERVATION);
      const ceiling = state.last + step;
      // Write-ahead: the ceiling is on disk before any value up to it is handed out.
      // If the write fails nothing changes, and the next call tries again.
      await this.storage.write(credentialIdHex, ceiling);
      state.ceiling = ceiling;
      state.step = step;
    }
    state.last += 1;
    return state.last;
  }

  private async load(credentialIdHex: string): Promise<CounterState> {
    const persisted = await this.storage.read(credentialIdHex);
    if (persisted === undefined) throw this.notFound(credentialIdHex);
    const state: CounterState = { last: persisted, ceiling: persisted, step: 0 };
    this.states.set(credentialIdHex, state);
    if (this.states.size >= this.nextTrimAt) this.dropSpentStates();
    return state;
  }

  /**
   * Drop the oldest spent states until a tenth of `limit` is free. Only states whose lane is idle:
   * one with work queued may be mid-reservation, its ceiling on disk not yet the one in memory.
   */
  private dropSpentStates(): void {
    const target = this.limit - Math.ceil(this.limit / 10);
    for (const [idHex, state] of this.states) {
      if (this.states.size <= target) break;
      if (state.last === state.ceiling && this.queue.isIdle(idHex)) this.states.delete(idHex);
    }
    this.nextTrimAt = this.states.size <= target ? this.limit + 1 : this.states.size + Math.ceil(this.limit / 10);
  }
}
