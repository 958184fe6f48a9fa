/**
 * The signature counters of the credentials and the device-wide counters.
 * signCounter.ts does the reservations; this is where its ceilings become
 * sealed `n!` records, and where device counters get lanes of their own.
 */
import type { DeviceCounterName } from "../authenticator/store.js";
import type { BatchOp } from "./database.js";
import { CredentialNotFoundError, IntegrityError } from "./errors.js";
import { commit } from "./generation.js";
import { counterKey, fromHex, indexKey, prefixRange, toHex } from "./keys.js";
import { sealValue, unsealValue } from "./sealedValue.js";
import { SignCounter, type CounterStorage } from "./signCounter.js";
import { whenOpen, type KeystoreState } from "./state.js";

export class Counters {
  private readonly signCounter: SignCounter;
  private readonly storage: CounterStorage;

  constructor(private readonly state: KeystoreState) {
    this.storage = counterStorage(state);
    this.signCounter = new SignCounter(state.queue, this.storage, (idHex) => new CredentialNotFoundError(fromHex(idHex)));
  }

  nextSignCount(credentialId: Uint8Array): Promise<number> {
    return whenOpen(this.state, () => this.signCounter.next(toHex(credentialId)));
  }

  getSignCount(credentialId: Uint8Array): Promise<number | undefined> {
    return whenOpen(this.state, () => this.signCounter.get(toHex(credentialId)));
  }

  setSignCount(credentialId: Uint8Array, value: number): Promise<void> {
    return whenOpen(this.state, () => this.signCounter.set(toHex(credentialId), value));
  }

  nextDeviceCount(name: DeviceCounterName): Promise<number> {
    return whenOpen(this.state, () => this.signCounter.next(deviceCounterLane(name)));
  }

  getDeviceCount(name: DeviceCounterName): Promise<number> {
    return whenOpen(this.state, () => this.signCounter.get(deviceCounterLane(name)).then((value) => value ?? 0));
  }

  setDeviceCount(name: DeviceCounterName, value: number): Promise<void> {
    return whenOpen(this.state, () => this.signCounter.set(deviceCounterLane(name), value));
  }

  /** Drop one credential's in-memory counter (its records were rewritten or deleted). Call on its lane. */
  forget(credentialIdHex: string): void {
    this.signCounter.forget(credentialIdHex);
  }

  forgetAll(): void {
    this.signCounter.forgetAll();
  }

  /** Write back the exact last value of every unused reservation. Call inside `queue.exclusive`. */
  settle(): Promise<void> {
    return this.signCounter.settle();
  }

  /**
   * The highest counter of any credential, or of the device-wide "global" one: each sealed record
   * read, or the value last handed out where it is higher. Call inside `queue.exclusive`.
   */
  async highest(): Promise<number> {
    let highest = 0;
    for await (const [key] of this.state.db.iterator({ ...prefixRange("n!"), values: false })) {
      const lane = key.slice(2);
      const value = this.signCounter.lastHandedOut(lane) ?? (await this.storage.read(lane));
      if (value !== undefined && value > highest) highest = value;
    }
    return highest;
  }
}

/**
 * Device counters live beside the credentials' (`n!<lane>`), on lanes that
 * are no credential's: "device-..." is not hex, and credential lanes are.
 */
function deviceCounterLane(name: DeviceCounterName): string {
  return `device-${name}`;
}

function isDeviceCounterLane(lane: string): boolean {
  return lane.startsWith("device-");
}

function counterStorage(state: KeystoreState): CounterStorage {
  const sealedCount = (idHex: string, value: number): { key: string; value: Uint8Array } => {
    const key = counterKey(idHex);
    return { key, value: sealValue(state.dataKey, key, value) };
  };
  return {
    read: async (idHex) => {
      const key = counterKey(idHex);
      const sealed = await state.db.get(key);
      // A device counter that was never used is at 0; a credential without one does not exist,
      // unless its index entry says it does: then its counter was deleted, and guessing one could repeat a value.
      if (sealed === undefined) {
        if (isDeviceCounterLane(idHex)) return 0;
        if ((await state.db.get(indexKey(idHex))) === undefined) return undefined;
        throw IntegrityError.forCredential(key, fromHex(idHex), "sign counter", new Error("the counter record is missing"));
      }
      const fail = (cause: unknown): IntegrityError => IntegrityError.forCredential(key, fromHex(idHex), "sign counter", cause);
      const value = unsealValue(state.dataKey, key, sealed, fail);
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw fail(new Error("not a counter value"));
      return value;
    },
    // Synced: a reservation is what makes "never repeats" true, and a power cut must not take it back.
    write: async (idHex, value) => {
      await commit(state, [{ type: "put", ...sealedCount(idHex, value) }], { sync: true });
    },
    writeMany: async (entries) => {
      await commit(state, entries.map(([idHex, value]): BatchOp => ({ type: "put", ...sealedCount(idHex, value) })), { sync: true });
    },
  };
}
