import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CredentialStore } from "../../src/authenticator/store.js";
import { CredentialNotFoundError, Keystore, type CredentialRecord } from "../../src/keystore/index.js";
import { FAST_SCRYPT, PASSPHRASE, hex, makeCredential, rawEntries, removeTempDirs, rpIdHash, tempStoreDir } from "./helpers.js";

let dir: string;
let ks: Keystore;

beforeEach(async () => {
  dir = tempStoreDir();
  ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
});

afterEach(async () => {
  await ks.close();
  removeTempDirs();
});

const ids = (records: CredentialRecord[]): string[] => records.map((r) => hex(r.id)).sort();

/** Close and reopen, so reads come from disk rather than the record cache. */
async function reopen(): Promise<void> {
  await ks.close();
  ks = await Keystore.open(dir, PASSPHRASE);
}

describe("credential records", () => {
  it("implements the core's CredentialStore interface (checked by tsc)", () => {
    const store: CredentialStore = ks;
    expect(store).toBe(ks);
  });

  it("round-trip every field, byte fields as plain Uint8Array, from the cache and from disk", async () => {
    const cred = makeCredential("example.com", {
      extensions: { credProtect: 3, credBlob: new Uint8Array([1, 2, 3]), nested: { list: [1, "two", new Uint8Array([4])] } },
    });
    await ks.putCredential(cred);
    for (const source of ["cache", "disk"]) {
      if (source === "disk") await reopen();
      const got = await ks.getCredential(cred.rpIdHash, cred.id);
      expect(got, source).toEqual(cred);
      for (const bytes of [got!.id, got!.rpIdHash, got!.privateKey, got!.publicKey, got!.user!.id, got!.extensions!.credBlob]) {
        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(Buffer.isBuffer(bytes), `${source}: Buffer instead of Uint8Array`).toBe(false);
      }
    }
  });

  it("keeps optional fields absent when they were absent", async () => {
    const cred = makeCredential();
    delete cred.user;
    delete cred.rpName;
    delete cred.extensions;
    cred.discoverable = false;
    await ks.putCredential(cred);
    await reopen();
    const got = await ks.getCredential(cred.rpIdHash, cred.id);
    expect(got).toStrictEqual(cred);
  });

  it("point read is exact: wrong RP or unknown ID gives undefined", async () => {
    const cred = makeCredential("a.example");
    await ks.putCredential(cred);
    expect(await ks.getCredential(rpIdHash("b.example"), cred.id)).toBeUndefined();
    expect(await ks.getCredential(cred.rpIdHash, new Uint8Array(32))).toBeUndefined();
    await reopen();
    expect(await ks.getCredential(rpIdHash("b.example"), cred.id)).toBeUndefined();
  });

  it("records handed out are copies: mutating one does not change the store", async () => {
    const cred = makeCredential();
    await ks.putCredential(cred);
    const got = await ks.getCredential(cred.rpIdHash, cred.id);
    got!.rpName = "mutated";
    got!.user!.name = "mutated";
    cred.privateKey.fill(0); // the caller's own object, after put
    const again = await ks.getCredential(cred.rpIdHash, cred.id);
    expect(again!.rpName).not.toBe("mutated");
    expect(again!.user!.name).not.toBe("mutated");
    expect(again!.privateKey.some((b) => b !== 0)).toBe(true);
  });

  it("scans one RP's range without the others, and all RPs when no RP is given", async () => {
    const a1 = makeCredential("a.example");
    const a2 = makeCredential("a.example");
    const b1 = makeCredential("b.example");
    const c1 = makeCredential("c.example");
    for (const c of [a1, a2, b1, c1]) await ks.putCredential(c);
    await reopen();

    const a = await ks.scanCredentials(rpIdHash("a.example"));
    expect(ids(a.credentials)).toEqual(ids([a1, a2]));
    expect(a.corrupted).toEqual([]);
    expect(ids((await ks.scanCredentials(rpIdHash("b.example"))).credentials)).toEqual(ids([b1]));
    expect((await ks.scanCredentials(rpIdHash("none.example"))).credentials).toEqual([]);
    const all = await ks.scanCredentials();
    expect(ids(all.credentials)).toEqual(ids([a1, a2, b1, c1]));
    expect(all.credentials.find((c) => hex(c.id) === hex(b1.id))).toEqual(b1);
  });

  it("stores one RP as one contiguous key range c!<rpIdHash>!<credentialId>", async () => {
    const cred = makeCredential("a.example");
    await ks.putCredential(cred, 5);
    await ks.close();
    const keys = [...(await rawEntries(dir)).keys()].sort();
    expect(keys).toEqual(
      [`c!${hex(cred.rpIdHash)}!${hex(cred.id)}`, "counts", "generation", `i!${hex(cred.id)}`, "meta", `n!${hex(cred.id)}`, "settings"].sort(),
    );
    ks = await Keystore.open(dir, PASSPHRASE);
  });

  it("finds a credential by ID alone through the index", async () => {
    const a = makeCredential("a.example");
    const b = makeCredential("b.example");
    await ks.putCredential(a);
    await ks.putCredential(b);
    expect(await ks.findCredential(b.id)).toEqual(b);
    await reopen();
    expect(await ks.findCredential(a.id)).toEqual(a);
    expect(await ks.findCredential(new Uint8Array(16))).toBeUndefined();
  });

  it("deletes a credential with its index and counter in one go", async () => {
    const a = makeCredential();
    const b = makeCredential();
    await ks.putCredential(a);
    await ks.putCredential(b);
    expect(await ks.nextSignCount(a.id)).toBe(1);
    expect(await ks.getCredential(a.rpIdHash, a.id)).toBeDefined(); // now cached

    expect(await ks.deleteCredential(a.id)).toBe(true);
    expect(await ks.deleteCredential(a.id)).toBe(false);
    expect(await ks.getCredential(a.rpIdHash, a.id)).toBeUndefined();
    expect(await ks.findCredential(a.id)).toBeUndefined();
    expect(await ks.getSignCount(a.id)).toBeUndefined();
    await expect(ks.nextSignCount(a.id)).rejects.toBeInstanceOf(CredentialNotFoundError);
    expect(await ks.getCredential(b.rpIdHash, b.id)).toEqual(b);

    await ks.close();
    const keys = [...(await rawEntries(dir)).keys()];
    expect(keys.filter((k) => k.includes(hex(a.id)))).toEqual([]);
    expect(keys.filter((k) => k.includes(hex(b.id)))).toHaveLength(3);
    ks = await Keystore.open(dir, PASSPHRASE);
  });

  it("updateCredential rewrites the record (cache included) and keeps the counter", async () => {
    const cred = makeCredential();
    await ks.putCredential(cred, 7);
    await ks.getCredential(cred.rpIdHash, cred.id); // cache it
    const updated = { ...cred, user: { id: cred.user!.id, name: "renamed@example.com", displayName: "Renamed" } };
    await ks.updateCredential(updated);
    expect(await ks.getCredential(cred.rpIdHash, cred.id)).toEqual(updated);
    expect(await ks.getSignCount(cred.id)).toBe(7);
    await reopen();
    expect(await ks.getCredential(cred.rpIdHash, cred.id)).toEqual(updated);
    expect(await ks.nextSignCount(cred.id)).toBe(8);
  });

  it("updateCredential of an unknown credential rejects and writes nothing", async () => {
    const cred = makeCredential();
    await expect(ks.updateCredential(cred)).rejects.toBeInstanceOf(CredentialNotFoundError);
    expect(await ks.getCredential(cred.rpIdHash, cred.id)).toBeUndefined();
  });

  it("putCredential with an existing ID replaces it, even across RPs, and resets its counter", async () => {
    const cred = makeCredential("a.example");
    await ks.putCredential(cred);
    await ks.nextSignCount(cred.id);
    await ks.nextSignCount(cred.id);
    const moved = { ...cred, rpId: "b.example", rpIdHash: rpIdHash("b.example") };
    await ks.putCredential(moved, 100);
    expect(await ks.getCredential(cred.rpIdHash, cred.id)).toBeUndefined();
    expect(await ks.getCredential(moved.rpIdHash, moved.id)).toEqual(moved);
    expect(await ks.nextSignCount(cred.id)).toBe(101);
    expect((await ks.countCredentials()).total).toBe(1);
  });

  it("counts credentials: total and discoverable", async () => {
    await ks.putCredential(makeCredential("a.example"));
    await ks.putCredential(makeCredential("b.example"));
    await ks.putCredential(makeCredential("b.example", { discoverable: false }));
    expect(await ks.countCredentials()).toEqual({ total: 3, discoverable: 2 });
    await reopen();
    expect(await ks.countCredentials()).toEqual({ total: 3, discoverable: 2 });
  });

  it("validates records before writing", async () => {
    await expect(ks.putCredential(makeCredential("a.example", { rpIdHash: new Uint8Array(5) }))).rejects.toThrow(TypeError);
    await expect(ks.putCredential(makeCredential("a.example", { id: new Uint8Array(0) }))).rejects.toThrow(TypeError);
    await expect(ks.putCredential(makeCredential(), -1)).rejects.toThrow(RangeError);
    expect(await ks.countCredentials()).toEqual({ total: 0, discoverable: 0 });
  });

  it("a read that raced a delete does not leave the deleted record in the cache", async () => {
    const cred = makeCredential();
    await ks.putCredential(cred);
    await reopen(); // empty cache, so the next read goes to disk
    const db = (ks as unknown as { db: { get(key: string): Promise<unknown> } }).db;
    const originalGet = db.get.bind(db);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    db.get = async (key: string) => {
      const value = await originalGet(key);
      // The racing read is done; hold its result until the delete (which reads the record too) has finished.
      if (key.startsWith("c!") && !held) {
        held = true;
        await gate;
      }
      return value;
    };
    const racingRead = ks.getCredential(cred.rpIdHash, cred.id);
    expect(await ks.deleteCredential(cred.id)).toBe(true);
    release();
    expect(await racingRead).toEqual(cred); // it started before the delete
    db.get = originalGet;
    expect(await ks.getCredential(cred.rpIdHash, cred.id)).toBeUndefined();
  });

  it("keeps the record cache bounded", async () => {
    await ks.close();
    ks = await Keystore.open(dir, PASSPHRASE, { cacheSize: 2 });
    const creds = [makeCredential(), makeCredential(), makeCredential()];
    for (const c of creds) await ks.putCredential(c);
    const cache = (ks as unknown as { cache: { size: number } }).cache;
    expect(cache.size).toBe(2);
    for (const c of creds) expect(await ks.getCredential(c.rpIdHash, c.id)).toEqual(c);
    expect(cache.size).toBe(2);
  });
});

describe("settings", () => {
  it("round-trip any CBOR value, sealed, and can be deleted", async () => {
    const pinState = { pinHash: new Uint8Array([1, 2, 3, 4]), retries: 8, minLength: 4, forceChange: false };
    await ks.putSetting("pin", pinState);
    await ks.putSetting("alwaysUv", true);
    expect(await ks.getSetting("pin")).toEqual(pinState);
    await reopen();
    const got = await ks.getSetting<typeof pinState>("pin");
    expect(got).toEqual(pinState);
    expect(Buffer.isBuffer(got!.pinHash)).toBe(false);
    expect(await ks.getSetting("alwaysUv")).toBe(true);
    expect(await ks.getSetting("missing")).toBeUndefined();
    await ks.deleteSetting("pin");
    expect(await ks.getSetting("pin")).toBeUndefined();
    expect(await ks.getSetting("alwaysUv")).toBe(true);
  });

  it("hands out copies: editing a value read does not edit the stored setting", async () => {
    await ks.putSetting("config", { alwaysUv: false, list: [1, 2] });
    const got = await ks.getSetting<{ alwaysUv: boolean; list: number[] }>("config");
    got!.alwaysUv = true;
    got!.list.push(3);
    expect(await ks.getSetting("config")).toEqual({ alwaysUv: false, list: [1, 2] });
    await ks.putSetting("config", { alwaysUv: true, list: [] });
    expect(await ks.getSetting("config")).toEqual({ alwaysUv: true, list: [] });
  });

  it("rejects an undefined value and an empty name", async () => {
    await expect(ks.putSetting("x", undefined)).rejects.toThrow(TypeError);
    await expect(ks.putSetting("", 1)).rejects.toThrow(TypeError);
  });
});

describe("resetAuthenticator", () => {
  it("deletes every credential, index entry, counter and setting, and keeps the passphrase", async () => {
    const creds = [makeCredential("a.example"), makeCredential("b.example")];
    for (const c of creds) await ks.putCredential(c);
    await ks.nextSignCount(creds[0]!.id);
    await ks.getCredential(creds[0]!.rpIdHash, creds[0]!.id); // cached
    await ks.putSetting("pin", { retries: 8 });

    await ks.resetAuthenticator();
    expect(await ks.getCredential(creds[0]!.rpIdHash, creds[0]!.id)).toBeUndefined();
    expect(await ks.findCredential(creds[1]!.id)).toBeUndefined();
    expect(await ks.countCredentials()).toEqual({ total: 0, discoverable: 0 });
    expect(await ks.getSetting("pin")).toBeUndefined();
    await expect(ks.nextSignCount(creds[0]!.id)).rejects.toBeInstanceOf(CredentialNotFoundError);

    await ks.close();
    expect([...(await rawEntries(dir)).keys()]).toEqual(["counts", "generation", "meta", "settings"]);
    ks = await Keystore.open(dir, PASSPHRASE);
    const fresh = makeCredential();
    await ks.putCredential(fresh);
    expect(await ks.nextSignCount(fresh.id)).toBe(1);
  });
});
