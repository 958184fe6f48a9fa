/**
 * The counter states a process keeps are bounded (src/keystore/signCounter.ts): signing once for
 * each of many credentials does not keep a state per credential, a dropped state reloads to the
 * same next value, and a state with room left in its reservation is never dropped (dropping it
 * would skip the rest of the reservation). The store underneath is a Map standing in for the
 * sealed `n!` records; the reservations and the lanes are the keystore's own.
 */
import { describe, expect, it } from "vitest";
import { KeyedQueue } from "../../src/keystore/keyedQueue.js";
import { SignCounter, type CounterStorage } from "../../src/keystore/signCounter.js";

function countersOn(persisted: Map<string, number>, limit: number) {
  const reads: string[] = [];
  const writes: string[] = [];
  const storage: CounterStorage = {
    read: (id) => {
      reads.push(id);
      return Promise.resolve(persisted.get(id));
    },
    write: (id, value) => {
      writes.push(id);
      persisted.set(id, value);
      return Promise.resolve();
    },
    writeMany: (entries) => {
      for (const [id, value] of entries) persisted.set(id, value);
      return Promise.resolve();
    },
  };
  const counter = new SignCounter(new KeyedQueue(), storage, (id) => new Error(`no counter for ${id}`), limit);
  return { counter, reads, writes };
}

const idOf = (i: number): string => i.toString(16).padStart(64, "0");

describe("bounded counter states", () => {
  it("keeps about `limit` states for credentials used once each, and a dropped one continues with no gap", async () => {
    const persisted = new Map(Array.from({ length: 1000 }, (_, i) => [idOf(i), i * 10] as const));
    const { counter } = countersOn(persisted, 100);
    for (let i = 0; i < 1000; i++) expect(await counter.next(idOf(i))).toBe(i * 10 + 1);
    expect(counter.heldStates).toBeLessThanOrEqual(101);
    // The first credentials' states were dropped long ago: each reloads and goes on from its last value.
    for (let i = 0; i < 50; i++) expect(await counter.next(idOf(i))).toBe(i * 10 + 2);
  });

  it("never drops a state with room left in its reservation", async () => {
    const persisted = new Map(Array.from({ length: 1000 }, (_, i) => [idOf(i), 0] as const));
    const { counter, reads, writes } = countersOn(persisted, 100);
    const hot = idOf(0);
    // Reservations of 1, then 2: after two values the ceiling is 3, one value still reserved.
    expect([await counter.next(hot), await counter.next(hot)]).toEqual([1, 2]);
    for (let i = 1; i < 1000; i++) await counter.next(idOf(i));
    expect(counter.heldStates).toBeLessThanOrEqual(101);
    const hotReads = reads.filter((id) => id === hot).length;
    const hotWrites = writes.filter((id) => id === hot).length;
    // Dropped, it would reload the ceiling (3) and hand out 4: the reserved 3 must come from memory.
    expect(await counter.next(hot)).toBe(3);
    expect(reads.filter((id) => id === hot).length).toBe(hotReads);
    expect(writes.filter((id) => id === hot).length).toBe(hotWrites);
  });
});
