/**
 * The stores open in this process, by real path. LevelDB's LOCK keeps a second
 * process out of an open store (StoreLockedError, "in use by another
 * process"); within one process a second open shares what the first opened
 * instead of failing on that lock, and the store closes when the last handle
 * is released. A second open while the first is still opening waits for it;
 * one while the last handle is closing waits for the close and opens afresh.
 */
import { realpath } from "node:fs/promises";
import path from "node:path";

interface Entry<T> {
  value: Promise<T>;
  handles: number;
}

export class OpenStores<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly closing = new Map<string, Promise<void>>();

  /** `close` closes a store once its last handle is released. */
  constructor(private readonly close: (value: T) => Promise<void>) {}

  /**
   * The store at `dir`: what the open one shares, after `join` accepted it (it checks the
   * passphrase and the options: a throw keeps this caller out), or else what `fresh` opens.
   * `release` gives back this handle, of this open only: a handle of a store that closed and
   * was opened again never counts against the new open.
   */
  async acquire(dir: string, fresh: () => Promise<T>, join: (shared: T) => Promise<void>): Promise<{ value: T; release: () => Promise<void> }> {
    const where = await storeKey(dir);
    for (;;) {
      await this.closing.get(where);
      const entry = this.entries.get(where);
      if (!entry) break;
      let shared: T;
      try {
        shared = await entry.value;
      } catch {
        continue; // the first open failed and is gone: this one tries afresh
      }
      // Its last handle was released while this open waited: wait for that close, then look again.
      if (this.entries.get(where) !== entry) continue;
      // Counted before join's await, so the store cannot close under it; given back if join refuses.
      entry.handles++;
      const release = () => this.release(where, entry);
      try {
        await join(shared);
      } catch (error) {
        await release();
        throw error;
      }
      return { value: shared, release };
    }
    const value = fresh();
    const entry: Entry<T> = { value, handles: 1 };
    this.entries.set(where, entry);
    try {
      return { value: await value, release: () => this.release(where, entry) };
    } catch (error) {
      if (this.entries.get(where) === entry) this.entries.delete(where);
      throw error;
    }
  }

  /** Give back one handle of `entry`; the last one closes the store. */
  private async release(where: string, entry: Entry<T>): Promise<void> {
    if (this.entries.get(where) !== entry || --entry.handles > 0) return;
    this.entries.delete(where);
    const closing = entry.value.then(this.close);
    this.closing.set(where, closing.catch(() => undefined));
    try {
      await closing;
    } finally {
      this.closing.delete(where);
    }
  }
}

/** The store's real path (symbolic links resolved), also for a directory not created yet (Softkey.init). */
async function storeKey(dir: string): Promise<string> {
  const absolute = path.resolve(dir);
  try {
    return await realpath(absolute);
  } catch {
    return path.join(await realpath(path.dirname(absolute)).catch(() => path.dirname(absolute)), path.basename(absolute));
  }
}
