import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CredentialNotFoundError, Keystore, MAX_RESERVATION, type CredentialRecord } from "../../src/keystore/index.js";
import {
  FAST_SCRYPT,
  PASSPHRASE,
  hex,
  makeCredential,
  removeTempDirs,
  spawnModule,
  tempStoreDir,
  builtKeystore,
  waitForExit,
} from "./helpers.js";

interface DbInternals {
  db: { close(): Promise<void>; batch(ops: { key: string }[], options?: { sync?: boolean }): Promise<void> };
}

/** Simulate a crash: release LevelDB without close(), so unused reservations are never written back. */
async function crash(store: Keystore): Promise<void> {
  await (store as unknown as DbInternals).db.close();
}

/**
 * Count counter reservations: synced LevelDB batches holding an `n!` record (credential writes hold
 * one too, but are not synced). Each must be synced: a power cut must not take a reservation back.
 */
function countPuts(store: Keystore): { readonly count: number; failNext(): void } {
  const db = (store as unknown as DbInternals).db;
  const original = db.batch.bind(db);
  let count = 0;
  let fail = false;
  db.batch = (ops, options) => {
    if (Array.isArray(ops) && ops.some((op) => op.key.startsWith("n!")) && !ops.some((op) => op.key.startsWith("c!"))) {
      expect(options?.sync, "a counter reservation is written with sync: true").toBe(true);
      count++;
      if (fail) {
        fail = false;
        return Promise.reject(new Error("simulated write failure"));
      }
    }
    return original(ops, options);
  };
  return {
    get count() {
      return count;
    },
    failNext() {
      fail = true;
    },
  };
}

/** The ceiling persisted after `k` values in one process starting from 0: reservations of 1, 2, 4, ... MAX_RESERVATION. */
function ceilingAfter(k: number): number {
  let ceiling = 0;
  let step = 0;
  while (ceiling < k) {
    step = step === 0 ? 1 : Math.min(step * 2, MAX_RESERVATION);
    ceiling += step;
  }
  return ceiling;
}

let dir: string;
let ks: Keystore;
let cred: CredentialRecord;

beforeEach(async () => {
  dir = tempStoreDir();
  ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
  cred = makeCredential();
  await ks.putCredential(cred);
});

afterEach(async () => {
  await ks.close().catch(() => undefined);
  removeTempDirs();
});

describe("signature counters", () => {
  it("start at the initial count and increase strictly by one within a process", async () => {
    const other = makeCredential();
    await ks.putCredential(other, 41);
    expect(await ks.getSignCount(cred.id)).toBe(0);
    expect(await ks.getSignCount(other.id)).toBe(41);
    const values: number[] = [];
    for (let i = 0; i < 5000; i++) values.push(await ks.nextSignCount(cred.id));
    expect(values).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(await ks.getSignCount(cred.id)).toBe(5000);
    expect(await ks.nextSignCount(other.id)).toBe(42);
  });

  it("one signature per process gives 1, 2, 3, ... with clean closes and with crashes alike", async () => {
    const seen: number[] = [];
    for (let session = 0; session < 6; session++) {
      seen.push(await ks.nextSignCount(cred.id));
      if (session % 2 === 0) await crash(ks);
      else await ks.close();
      ks = await Keystore.open(dir, PASSPHRASE);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("a hot loop writes rarely: reservations grow geometrically to MAX_RESERVATION", async () => {
    const puts = countPuts(ks);
    const n = 20_000;
    let last = 0;
    for (let i = 0; i < n; i++) {
      const v = await ks.nextSignCount(cred.id);
      expect(v).toBe(last + 1);
      last = v;
    }
    // 1+2+...+1024 = 2047 covers the first 11 writes, then one per 1024
    const expected = 11 + Math.ceil((n - 2047) / MAX_RESERVATION);
    expect(puts.count).toBe(expected);
  });

  it("a clean close leaves no gap", async () => {
    for (let i = 0; i < 3000; i++) await ks.nextSignCount(cred.id);
    await ks.close();
    ks = await Keystore.open(dir, PASSPHRASE);
    expect(await ks.getSignCount(cred.id)).toBe(3000);
    expect(await ks.nextSignCount(cred.id)).toBe(3001);
  });

  it("after a crash the next value is the persisted ceiling + 1: a bounded forward jump, never backwards", async () => {
    let base = 0;
    for (const k of [1, 2, 3, 4, 7, 8, 100, 2047, 2048, 5000]) {
      for (let i = 1; i <= k; i++) expect(await ks.nextSignCount(cred.id)).toBe(base + i);
      await crash(ks);
      ks = await Keystore.open(dir, PASSPHRASE);
      const next = await ks.nextSignCount(cred.id);
      expect(next, `after ${k} values`).toBe(base + ceilingAfter(k) + 1);
      expect(next - (base + k)).toBeLessThanOrEqual(MAX_RESERVATION);
      base = next;
      await ks.close(); // settle at `next`, so the next round starts from base
      ks = await Keystore.open(dir, PASSPHRASE);
    }
  });

  it("concurrent calls get distinct values, increasing in call order", async () => {
    const other = makeCredential();
    await ks.putCredential(other);
    const calls: Array<Promise<number>> = [];
    for (let i = 0; i < 3000; i++) calls.push(ks.nextSignCount(i % 3 === 0 ? other.id : cred.id));
    const values = await Promise.all(calls);
    const mine = values.filter((_, i) => i % 3 !== 0);
    const theirs = values.filter((_, i) => i % 3 === 0);
    expect(mine).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(theirs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it("operations take effect in call order, even when not awaited one by one", async () => {
    await ks.nextSignCount(cred.id); // a reservation with room left, so the next call could take the fast path
    await ks.nextSignCount(cred.id);
    const set = ks.setSignCount(cred.id, 100);
    const next = ks.nextSignCount(cred.id);
    await set;
    expect(await next).toBe(101);

    const deleted = ks.deleteCredential(cred.id);
    const afterDelete = ks.nextSignCount(cred.id);
    expect(await deleted).toBe(true);
    await expect(afterDelete).rejects.toBeInstanceOf(CredentialNotFoundError);
  });

  it("concurrent calls on a fresh process (all waiting on the first load) are distinct and increasing", async () => {
    await ks.close();
    ks = await Keystore.open(dir, PASSPHRASE);
    const values = await Promise.all(Array.from({ length: 200 }, () => ks.nextSignCount(cred.id)));
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it("close waits for calls in flight and settles at the last value handed out", async () => {
    const calls = Array.from({ length: 100 }, () => ks.nextSignCount(cred.id));
    const closed = ks.close();
    const values = await Promise.all(calls);
    await closed;
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    ks = await Keystore.open(dir, PASSPHRASE);
    expect(await ks.nextSignCount(cred.id)).toBe(101);
  });

  it("a failed reservation write hands out nothing and the next call recovers", async () => {
    const puts = countPuts(ks);
    expect(await ks.nextSignCount(cred.id)).toBe(1);
    puts.failNext();
    await expect(ks.nextSignCount(cred.id)).rejects.toThrow("simulated write failure");
    expect(await ks.nextSignCount(cred.id)).toBe(2);
    await crash(ks);
    ks = await Keystore.open(dir, PASSPHRASE);
    expect(await ks.nextSignCount(cred.id)).toBeGreaterThan(2);
  });

  it("setSignCount sets the exact value, lower included, and persists it", async () => {
    for (let i = 0; i < 50; i++) await ks.nextSignCount(cred.id);
    await ks.setSignCount(cred.id, 10);
    expect(await ks.getSignCount(cred.id)).toBe(10);
    expect(await ks.nextSignCount(cred.id)).toBe(11);
    await ks.setSignCount(cred.id, 500);
    await crash(ks);
    ks = await Keystore.open(dir, PASSPHRASE);
    expect(await ks.getSignCount(cred.id)).toBe(500);
    expect(await ks.nextSignCount(cred.id)).toBe(501);
    await expect(ks.setSignCount(cred.id, -1)).rejects.toThrow(RangeError);
    await expect(ks.setSignCount(new Uint8Array(8), 1)).rejects.toBeInstanceOf(CredentialNotFoundError);
  });

  it("an unknown credential has no counter", async () => {
    const unknown = new Uint8Array(16).fill(1);
    expect(await ks.getSignCount(unknown)).toBeUndefined();
    await expect(ks.nextSignCount(unknown)).rejects.toBeInstanceOf(CredentialNotFoundError);
  });

  it("never goes backwards when the process is SIGKILLed mid-loop", async () => {
    await ks.close();
    const moduleUrl = pathToFileURL(builtKeystore()).href;
    const script = `
      const { Keystore } = await import(process.argv[1]);
      const ks = await Keystore.open(process.argv[2], process.argv[3]);
      const id = Buffer.from(process.argv[4], "hex");
      process.stdout.write("ready\\n");
      for (;;) process.stdout.write((await ks.nextSignCount(id)) + "\\n");`;

    let highest = 0;
    // kill after a handful of values, mid-growth, and deep in the 1024-step regime; the exact moment is up to the scheduler
    for (const killAfter of [1, 5, 300, 4000, 20_000]) {
      const child = spawnModule(script, [moduleUrl, dir, PASSPHRASE, hex(cred.id)]);
      const seen: number[] = [];
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        let buffer = "";
        child.stdout!.on("data", (chunk: Buffer) => {
          buffer += chunk.toString();
          const lines = buffer.split("\n");
          buffer = lines.pop()!;
          for (const line of lines) if (line !== "ready") seen.push(Number(line));
          if (seen.length >= killAfter && child.signalCode === null) {
            child.kill("SIGKILL");
            resolve();
          }
        });
        child.once("exit", (code, signal) => {
          if (signal !== "SIGKILL") reject(new Error(`child exited early (${code}): ${stderr}`));
        });
      });
      const { signal } = await waitForExit(child);
      expect(signal).toBe("SIGKILL");
      expect(seen[0]!, "first value of a new process").toBeGreaterThan(highest);
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBe(seen[i - 1]! + 1);
      highest = Math.max(highest, seen[seen.length - 1]!);
    }

    ks = await Keystore.open(dir, PASSPHRASE);
    expect(await ks.nextSignCount(cred.id)).toBeGreaterThan(highest);
  });
});
