/**
 * Per-key serialization: tasks for one key run one after another, tasks for
 * different keys run concurrently. `exclusive` waits for everything queued so
 * far and holds new work back until it finishes (reset, close).
 *
 * The keystore keys lanes by credential ID, so counter reservations, writes
 * and deletes of one credential never interleave.
 */

const settle = (): void => undefined;

export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private barrier: Promise<void> | undefined;

  /** True when nothing is queued or running for `key` and no exclusive task is pending. */
  isIdle(key: string): boolean {
    return this.barrier === undefined && !this.tails.has(key);
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const tail = this.tails.get(key);
    // A tail queued before the barrier does not wait for the exclusive task, so wait for both.
    const before = tail !== undefined && this.barrier !== undefined ? Promise.all([tail, this.barrier]) : (tail ?? this.barrier);
    const result = before === undefined ? task() : before.then(task);
    const done = result.then(settle, settle);
    this.tails.set(key, done);
    void done.then(() => {
      if (this.tails.get(key) === done) this.tails.delete(key);
    });
    return result;
  }

  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    // Snapshot before awaiting: work queued after this point chains onto the new barrier, not into this wait.
    const pending = [...this.tails.values()];
    if (this.barrier !== undefined) pending.push(this.barrier);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.barrier = gate;
    try {
      await Promise.all(pending);
      return await task();
    } finally {
      if (this.barrier === gate) this.barrier = undefined;
      release();
    }
  }
}
