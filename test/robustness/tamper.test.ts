/**
 * Tampering, seen from the authenticator core: a byte flipped in each kind of
 * record (credential, index, counter, setting, counts, the header file), or two
 * records' values swapped, gives an integrity error for that record (the CTAP
 * status CTAP2_ERR_INTEGRITY_FAILURE, or the record skipped and reported), while
 * everything else keeps working; nothing tampered is silently accepted.
 * (test/keystore/integrity.test.ts covers the keystore API itself;
 * storeAttacks.test.ts the records deleted, replayed and dropped.)
 *
 * And a wrong passphrase, 1000 times: not one file of the store changes, and
 * the KDF cost stays what init set.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Authenticator } from "../../src/authenticator/device.js";
import { defaultAuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import { Status } from "../../src/ctap/status.js";
import { generateCredentialKeyPair } from "../../src/crypto/credentialKeys.js";
import { IntegrityError, Keystore, StoreFormatError, WrongPassphraseError, type CredentialRecord } from "../../src/keystore/index.js";
import { readHeader } from "../../src/keystore/header.js";
import { decodeValue, encodeValue } from "../../src/keystore/codec.js";
import { createPresence } from "../../src/presence/index.js";
import { initialPinState } from "../../src/authenticator/pin/pinRuntime.js";
import { initialLargeBlobArray } from "../../src/authenticator/commands/largeBlobs.js";
import { PASSPHRASE, FAST_SCRYPT, hex, removeTempDirs, tempStoreDir, withRawDb } from "../keystore/helpers.js";

afterEach(removeTempDirs);

const rpHash = (rpId: string) => new Uint8Array(createHash("sha256").update(rpId).digest());

function credential(rpId: string, n: number): CredentialRecord {
  const keys = generateCredentialKeyPair(-7);
  return {
    id: new Uint8Array(32).fill(n),
    rpId,
    rpIdHash: rpHash(rpId),
    user: { id: Uint8Array.of(n), name: `user${n}` },
    discoverable: true,
    alg: -7,
    privateKey: keys.privateKey,
    publicKey: keys.publicKey,
    createdAt: 1_700_000_000_000 + n,
  };
}

const A = credential("example.com", 0xa1);
const B = credential("example.com", 0xb2);
const C = credential("other.example", 0xc3);
const keyOf = {
  credential: (c: CredentialRecord) => `c!${hex(c.rpIdHash)}!${hex(c.id)}`,
  index: (c: CredentialRecord) => `i!${hex(c.id)}`,
  counter: (c: CredentialRecord) => `n!${hex(c.id)}`,
  setting: (name: string) => `s!${name}`,
};

async function makeStore(): Promise<string> {
  const dir = tempStoreDir();
  const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
  await ks.putCredentials([A, B, C]);
  await ks.putSetting("clientPin", initialPinState());
  await ks.putSetting("largeBlobArray", initialLargeBlobArray());
  await ks.close();
  return dir;
}

async function flip(dir: string, key: string, offset = -1): Promise<void> {
  await withRawDb(dir, async (db) => {
    const value = new Uint8Array((await db.get(key))!);
    value[(offset + value.length) % value.length]! ^= 0x40;
    await db.put(key, value);
  });
}

async function swap(dir: string, a: string, b: string): Promise<void> {
  await withRawDb(dir, async (db) => {
    const [va, vb] = [await db.get(a), await db.get(b)];
    await db.batch([{ type: "put", key: a, value: vb! }, { type: "put", key: b, value: va! }]);
  });
}

/** The core on the (tampered) store, with raw CTAP2 calls. */
async function openKey(dir: string) {
  const store = await Keystore.open(dir, PASSPHRASE);
  const log: string[] = [];
  const authenticator = new Authenticator({ store, presence: createPresence({ policy: "auto", uv: "on" }), config: defaultAuthenticatorConfig(), log: (m) => log.push(m) });
  const call = async (command: number, params?: Map<number, unknown>) => (await authenticator.transact(new Uint8Array([command, ...(params ? encodeCanonical(params) : [])])))[0]!;
  const assertWith = (c: CredentialRecord) =>
    call(0x02, new Map<number, unknown>([[1, c.rpId], [2, new Uint8Array(32)], [3, [new Map<string, unknown>([["id", c.id], ["type", "public-key"]])]]]));
  const register = () =>
    call(0x01, new Map<number, unknown>([[1, new Uint8Array(32)], [2, new Map([["id", "new.example"]])], [3, new Map([["id", Uint8Array.of(9)]])], [4, [new Map<string, unknown>([["alg", -7], ["type", "public-key"]])]]]));
  return { store, log, call, assertWith, register, close: () => store.close() };
}

describe("a tampered record is an integrity error for that record; the rest works", () => {
  it("credential record: skipped and reported, never used to sign; the others sign", async () => {
    const dir = await makeStore();
    await flip(dir, keyOf.credential(A));
    const key = await openKey(dir);
    try {
      // Not "no such credential": the RP's allowList names it, and the store could not read it.
      expect(await key.assertWith(A)).toBe(Status.CTAP2_ERR_INTEGRITY_FAILURE);
      expect(key.log.join("\n")).toMatch(new RegExp(`credential ${Buffer.from(A.id).toString("base64url")} failed integrity check`));
      expect(await key.assertWith(B)).toBe(Status.CTAP2_OK);
      expect(await key.assertWith(C)).toBe(Status.CTAP2_OK);
      expect(await key.register()).toBe(Status.CTAP2_OK);
      expect(await key.call(0x04)).toBe(Status.CTAP2_OK);
      const scan = await key.store.scanCredentials();
      expect(scan.corrupted.map((c) => hex(c.credentialId))).toEqual([hex(A.id)]);
    } finally {
      await key.close();
    }
  });

  it("index entry: lookups and deletes by ID refuse with an integrity error, the record and its counter stay", async () => {
    const dir = await makeStore();
    await flip(dir, keyOf.index(A), 3);
    const key = await openKey(dir);
    try {
      await expect(key.store.findCredential(A.id)).rejects.toBeInstanceOf(IntegrityError);
      await expect(key.store.deleteCredential(A.id)).rejects.toBeInstanceOf(IntegrityError);
      // The record is untouched and authenticated, so an allowList assertion (a point read) still works.
      expect(await key.assertWith(A)).toBe(Status.CTAP2_OK);
      expect(await key.assertWith(B)).toBe(Status.CTAP2_OK);
      expect(await key.store.deleteCredential(B.id)).toBe(true);
    } finally {
      await key.close();
    }
  });

  it("counter: the credential answers CTAP2_ERR_INTEGRITY_FAILURE instead of signing with a guessed count", async () => {
    const dir = await makeStore();
    await flip(dir, keyOf.counter(A));
    const key = await openKey(dir);
    try {
      expect(await key.assertWith(A)).toBe(Status.CTAP2_ERR_INTEGRITY_FAILURE);
      expect(await key.assertWith(B)).toBe(Status.CTAP2_OK);
      expect(await key.register()).toBe(Status.CTAP2_OK);
    } finally {
      await key.close();
    }
  });

  it("setting (large blobs): reading it is CTAP2_ERR_INTEGRITY_FAILURE, assertions still work", async () => {
    const dir = await makeStore();
    await flip(dir, keyOf.setting("largeBlobArray"));
    const key = await openKey(dir);
    try {
      expect(await key.call(0x0c, new Map([[1, 100], [3, 0]]))).toBe(Status.CTAP2_ERR_INTEGRITY_FAILURE);
      expect(await key.assertWith(B)).toBe(Status.CTAP2_OK);
    } finally {
      await key.close();
    }
  });

  it("setting (PIN state): what depends on it fails closed with CTAP2_ERR_INTEGRITY_FAILURE, never as if no PIN were set", async () => {
    const dir = await makeStore();
    await flip(dir, keyOf.setting("clientPin"));
    const key = await openKey(dir);
    try {
      expect(await key.call(0x06, new Map([[1, 2], [2, 1]]))).toBe(Status.CTAP2_ERR_INTEGRITY_FAILURE);
      expect(await key.assertWith(B)).toBe(Status.CTAP2_ERR_INTEGRITY_FAILURE);
      expect(await key.register()).toBe(Status.CTAP2_ERR_INTEGRITY_FAILURE);
      // authenticatorReset is the way out, as on a real key.
      expect(await key.call(0x07)).toBe(Status.CTAP2_OK);
      expect(await key.register()).toBe(Status.CTAP2_OK);
    } finally {
      await key.close();
    }
  });

  it("counts record: not trusted, recounted from the records", async () => {
    const dir = await makeStore();
    await flip(dir, "counts");
    const key = await openKey(dir);
    try {
      expect(await key.store.countCredentials()).toEqual({ total: 3, discoverable: 3 });
      expect(await key.call(0x04)).toBe(Status.CTAP2_OK);
    } finally {
      await key.close();
    }
  });

  it("swapped values (two settings; two credentials of different RPs): each is an integrity error", async () => {
    const dir = await makeStore();
    await swap(dir, keyOf.setting("clientPin"), keyOf.setting("largeBlobArray"));
    await swap(dir, keyOf.credential(A), keyOf.credential(C));
    const key = await openKey(dir);
    try {
      await expect(key.store.getSetting("clientPin")).rejects.toBeInstanceOf(IntegrityError);
      await expect(key.store.getSetting("largeBlobArray")).rejects.toBeInstanceOf(IntegrityError);
      await expect(key.store.getCredential(A.rpIdHash, A.id)).rejects.toBeInstanceOf(IntegrityError);
      await expect(key.store.getCredential(C.rpIdHash, C.id)).rejects.toBeInstanceOf(IntegrityError);
      expect(await key.store.getCredential(B.rpIdHash, B.id)).toBeDefined();
    } finally {
      await key.close();
    }
  });

  it("header file: edited unlock data is a wrong passphrase, an edited state an integrity error, garbage a format error; nothing changes", async () => {
    const edits: [string, (header: Record<string, unknown>) => void, new (...args: never[]) => Error][] = [
      ["wrapped key", (h) => void ((h.wrappedDataKey as Uint8Array)[3]! ^= 1), WrongPassphraseError],
      ["salt", (h) => void ((h.salt as Uint8Array)[0]! ^= 1), WrongPassphraseError],
      ["sealed state", (h) => void ((h.state as Uint8Array)[20]! ^= 1), IntegrityError],
      ["version", (h) => void (h.version = 3), StoreFormatError],
    ];
    for (const [what, edit, error] of edits) {
      const dir = await makeStore();
      const header = decodeValue(new Uint8Array(readFileSync(path.join(dir, "SOFTKEY")))) as Record<string, unknown>;
      edit(header);
      writeFileSync(path.join(dir, "SOFTKEY"), encodeValue(header));
      const before = files(dir);
      await expect(Keystore.open(dir, PASSPHRASE), what).rejects.toBeInstanceOf(error);
      expect(files(dir), what).toEqual(before);
    }
  });
});

/** Every file of the store: its bytes, mode and modification time, by name. */
function files(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir).map((name) => {
      const file = path.join(dir, name);
      const stat = statSync(file);
      return [name, `${createHash("sha256").update(readFileSync(file)).digest("hex")} mode ${(stat.mode & 0o777).toString(8)} mtime ${stat.mtimeMs}`];
    }),
  );
}

describe("a wrong passphrase", () => {
  it("1000 times: not a file of the store changes (bytes, mode, mtime; no new file) and the KDF cost stays what init set", async () => {
    const dir = tempStoreDir();
    const cost = { N: 4, r: 1, p: 1 };
    const created = await Keystore.create(dir, PASSPHRASE, { scrypt: cost });
    await created.putCredentials([A, B, C]);
    await created.putSetting("clientPin", initialPinState());
    await created.close();
    // One good open and close first, so LevelDB has moved its log into a table file: what follows is steady state.
    await (await Keystore.open(dir, PASSPHRASE)).close();
    const before = files(dir);
    expect([...before.keys()].some((name) => name.endsWith(".ldb"))).toBe(true);

    for (let i = 0; i < 1000; i++) {
      await expect(Keystore.open(dir, `wrong passphrase ${i}`)).rejects.toBeInstanceOf(WrongPassphraseError);
    }

    // LevelDB never opened: no MANIFEST, CURRENT, LOG or log rewritten, nothing created 0644.
    expect(files(dir)).toEqual(before);
    expect((await readHeader(dir))!.scrypt).toEqual(cost);
    const opened = await Keystore.open(dir, PASSPHRASE);
    try {
      expect(opened.scrypt).toEqual(cost);
      expect(await opened.getCredential(A.rpIdHash, A.id)).toBeDefined();
    } finally {
      await opened.close();
    }
  }, 90_000);
});
