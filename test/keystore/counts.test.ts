/**
 * Keystore.putCredentials (bulk writes, each record sealed on its own) and the
 * maintained credential counts that make countCredentials O(1): exact through
 * puts, replacements, deletes, resets, concurrency and reopening, recounted
 * when the counts record is missing, tampered with, or made unknowable.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Keystore, type CredentialRecord } from "../../src/keystore/index.js";
import { FAST_SCRYPT, PASSPHRASE, hex, makeCredential, rawEntries, removeTempDirs, rpIdHash, tempStoreDir, withRawDb } from "./helpers.js";

afterEach(removeTempDirs);

const truth = async (ks: Keystore) => {
  const { credentials, corrupted } = await ks.scanCredentials();
  return { total: credentials.length + corrupted.length, discoverable: credentials.filter((c) => c.discoverable).length };
};

describe("putCredentials", () => {
  it("stores every record as putCredential would: sealed, indexed, with its counter, in batches", async () => {
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    const records = Array.from({ length: 2500 }, (_, i) => makeCredential(`rp${i % 7}.example`, { discoverable: i % 3 !== 0 }));
    await ks.putCredentials(records, 5);
    expect(await ks.countCredentials()).toEqual({ total: 2500, discoverable: records.filter((r) => r.discoverable).length });
    await ks.close();
    const entries = await rawEntries(dir);
    expect(entries.get(`c!${hex(records[0]!.rpIdHash)}!${hex(records[0]!.id)}`)).not.toContain(hex(records[0]!.privateKey).slice(0, 64));
    const reopened = await Keystore.open(dir, PASSPHRASE);
    try {
      for (const r of [records[0]!, records[1234]!, records[2499]!]) {
        expect(await reopened.getCredential(r.rpIdHash, r.id)).toEqual(r);
        expect(await reopened.findCredential(r.id)).toEqual(r);
        expect(await reopened.nextSignCount(r.id)).toBe(6);
      }
      expect(await reopened.countCredentials()).toEqual(await truth(reopened));
    } finally {
      await reopened.close();
    }
  });

  it("replaces existing credentials (also across RPs) and refuses an ID twice in one call", async () => {
    const ks = await Keystore.create(tempStoreDir(), PASSPHRASE, { scrypt: FAST_SCRYPT });
    try {
      const a = makeCredential("a.example");
      await ks.putCredential(a);
      await ks.getCredential(a.rpIdHash, a.id); // cached
      const moved = { ...a, rpId: "b.example", rpIdHash: rpIdHash("b.example"), discoverable: false };
      await ks.putCredentials([moved]);
      expect(await ks.getCredential(a.rpIdHash, a.id)).toBeUndefined();
      expect(await ks.getCredential(moved.rpIdHash, moved.id)).toEqual(moved);
      expect(await ks.countCredentials()).toEqual({ total: 1, discoverable: 0 });
      const b = makeCredential();
      await expect(ks.putCredentials([b, { ...b }])).rejects.toThrow(TypeError);
      expect(await ks.findCredential(b.id)).toBeUndefined();
    } finally {
      await ks.close();
    }
  });
});

describe("credential counts", () => {
  it("countCredentials does not scan the store", async () => {
    const ks = await Keystore.create(tempStoreDir(), PASSPHRASE, { scrypt: FAST_SCRYPT });
    try {
      await ks.putCredentials([makeCredential(), makeCredential("b.example", { discoverable: false })]);
      const scan = vi.spyOn(ks, "scanCredentials");
      expect(await ks.countCredentials()).toEqual({ total: 2, discoverable: 1 });
      expect(scan).not.toHaveBeenCalled();
    } finally {
      await ks.close();
    }
  });

  it("a missing or tampered counts record is recounted once and written back", async () => {
    for (const damage of ["delete", "flip"] as const) {
      const dir = tempStoreDir();
      const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
      await ks.putCredentials([makeCredential(), makeCredential(), makeCredential("c.example", { discoverable: false })]);
      await ks.close();
      await withRawDb(dir, async (db) => {
        if (damage === "delete") return db.del("counts");
        const value = new Uint8Array((await db.get("counts"))!);
        value[value.length - 1]! ^= 1;
        await db.put("counts", value);
      });
      const reopened = await Keystore.open(dir, PASSPHRASE);
      try {
        expect(await reopened.countCredentials()).toEqual({ total: 3, discoverable: 2 });
        const scan = vi.spyOn(reopened, "scanCredentials");
        expect(await reopened.countCredentials()).toEqual({ total: 3, discoverable: 2 });
        expect(scan).not.toHaveBeenCalled();
      } finally {
        await reopened.close();
      }
    }
  });

  it("deleting a record that fails its integrity check makes the counts unknown, then exact again by a recount", async () => {
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    const victim = makeCredential();
    await ks.putCredentials([victim, makeCredential(), makeCredential()]);
    await ks.close();
    await withRawDb(dir, async (db) => {
      const key = `c!${hex(victim.rpIdHash)}!${hex(victim.id)}`;
      const value = new Uint8Array((await db.get(key))!);
      value[20]! ^= 1;
      await db.put(key, value);
    });
    const reopened = await Keystore.open(dir, PASSPHRASE);
    try {
      expect(await reopened.deleteCredential(victim.id)).toBe(true);
      expect(await reopened.countCredentials()).toEqual({ total: 2, discoverable: 2 });
    } finally {
      await reopened.close();
    }
  });

  it("stay exact under any interleaving of puts, replacements, deletes, bulk puts and resets (model-based)", async () => {
    const pool: CredentialRecord[] = Array.from({ length: 8 }, (_, i) => makeCredential(i % 2 ? "a.example" : "b.example", { discoverable: i % 3 !== 0 }));
    const op = fc.oneof(
      fc.record({ kind: fc.constant("put" as const), i: fc.nat(7), discoverable: fc.boolean(), rp: fc.constantFrom("a.example", "b.example") }),
      fc.record({ kind: fc.constant("bulk" as const), is: fc.uniqueArray(fc.nat(7), { maxLength: 4 }) }),
      fc.record({ kind: fc.constant("delete" as const), i: fc.nat(7) }),
      fc.record({ kind: fc.constant("reset" as const) }),
    );
    const dir = tempStoreDir();
    let ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 12 }), fc.boolean(), async (ops, concurrently) => {
          await ks.resetAuthenticator();
          const run = (o: (typeof ops)[number]): Promise<unknown> => {
            switch (o.kind) {
              case "put":
                return ks.putCredential({ ...pool[o.i]!, discoverable: o.discoverable, rpId: o.rp, rpIdHash: rpIdHash(o.rp) });
              case "bulk":
                return ks.putCredentials(o.is.map((i) => pool[i]!));
              case "delete":
                return ks.deleteCredential(pool[o.i]!.id);
              case "reset":
                return ks.resetAuthenticator();
            }
          };
          if (concurrently) await Promise.all(ops.map(run));
          else for (const o of ops) await run(o);
          expect(await ks.countCredentials()).toEqual(await truth(ks));
          await ks.close();
          ks = await Keystore.open(dir, PASSPHRASE);
          expect(await ks.countCredentials()).toEqual(await truth(ks));
        }),
        { seed: 4242, numRuns: 40 },
      );
    } finally {
      await ks.close();
    }
  });
});
