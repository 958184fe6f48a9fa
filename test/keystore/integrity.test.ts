import { createPrivateKey } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { IntegrityError, Keystore, type CredentialRecord } from "../../src/keystore/index.js";
import { FAST_SCRYPT, PASSPHRASE, filesUnder, hex, makeCredential, removeTempDirs, tempStoreDir, withRawDb } from "./helpers.js";

afterEach(removeTempDirs);

const recordKey = (c: CredentialRecord): string => `c!${hex(c.rpIdHash)}!${hex(c.id)}`;

async function storeWith(creds: CredentialRecord[]): Promise<string> {
  const dir = tempStoreDir();
  const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
  for (const c of creds) await ks.putCredential(c);
  await ks.putSetting("pin", { retries: 8 });
  await ks.close();
  return dir;
}

async function flipByte(dir: string, key: string, offset: number): Promise<void> {
  await withRawDb(dir, async (db) => {
    const value = await db.get(key);
    if (value === undefined) throw new Error(`no ${key}`);
    const tampered = new Uint8Array(value);
    tampered[offset % tampered.length]! ^= 0x01;
    await db.put(key, tampered);
  });
}

describe("tamper detection", () => {
  it("a flipped byte in one record is an IntegrityError naming that credential; the others still load", async () => {
    const victim = makeCredential("a.example");
    const others = [makeCredential("a.example"), makeCredential("b.example")];
    const dir = await storeWith([victim, ...others]);
    await flipByte(dir, recordKey(victim), 40);

    const ks = await Keystore.open(dir, PASSPHRASE);
    try {
      const err = await ks.getCredential(victim.rpIdHash, victim.id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as IntegrityError).code).toBe("INTEGRITY");
      expect((err as IntegrityError).credentialId).toEqual(victim.id);
      expect((err as Error).message).toContain(Buffer.from(victim.id).toString("base64url"));
      await expect(ks.findCredential(victim.id)).rejects.toBeInstanceOf(IntegrityError);

      for (const c of others) expect(await ks.getCredential(c.rpIdHash, c.id)).toEqual(c);
      const scan = await ks.scanCredentials(victim.rpIdHash);
      expect(scan.credentials.map((c) => hex(c.id))).toEqual([hex(others[0]!.id)]);
      expect(scan.corrupted).toHaveLength(1);
      expect(scan.corrupted[0]!.credentialId).toEqual(victim.id);
      expect(scan.corrupted[0]!.error).toBeInstanceOf(IntegrityError);
      // The counts are kept as credentials are written: a record that fails later still holds its slot.
      expect(await ks.countCredentials()).toEqual({ total: 3, discoverable: 3 });
      // the victim's counter is a separate record and still works
      expect(await ks.nextSignCount(victim.id)).toBe(1);
    } finally {
      await ks.close();
    }
  });

  it("flipping a byte anywhere (nonce, ciphertext, tag) is detected", async () => {
    const victim = makeCredential();
    const dir = await storeWith([victim]);
    const length = await withRawDb(dir, async (db) => (await db.get(recordKey(victim)))!.length);
    for (const offset of [0, 11, 12, length - 17, length - 1]) {
      await flipByte(dir, recordKey(victim), offset);
      const ks = await Keystore.open(dir, PASSPHRASE);
      await expect(ks.getCredential(victim.rpIdHash, victim.id), `offset ${offset}`).rejects.toBeInstanceOf(IntegrityError);
      await ks.close();
      await flipByte(dir, recordKey(victim), offset); // undo
      const restored = await Keystore.open(dir, PASSPHRASE);
      expect(await restored.getCredential(victim.rpIdHash, victim.id)).toEqual(victim);
      await restored.close();
    }
  });

  it("swapping two records' values is detected (the record key is authenticated)", async () => {
    const a = makeCredential("a.example");
    const b = makeCredential("a.example");
    const c = makeCredential("b.example");
    const dir = await storeWith([a, b, c]);
    await withRawDb(dir, async (db) => {
      const va = (await db.get(recordKey(a)))!;
      const vb = (await db.get(recordKey(b)))!;
      await db.batch([
        { type: "put", key: recordKey(a), value: vb },
        { type: "put", key: recordKey(b), value: va },
      ]);
    });
    const ks = await Keystore.open(dir, PASSPHRASE);
    try {
      await expect(ks.getCredential(a.rpIdHash, a.id)).rejects.toBeInstanceOf(IntegrityError);
      await expect(ks.getCredential(b.rpIdHash, b.id)).rejects.toBeInstanceOf(IntegrityError);
      expect(await ks.getCredential(c.rpIdHash, c.id)).toEqual(c);
      const scan = await ks.scanCredentials();
      expect(scan.corrupted.map((x) => hex(x.credentialId)).sort()).toEqual([hex(a.id), hex(b.id)].sort());
    } finally {
      await ks.close();
    }
  });

  it("a record copied under another credential's key is detected", async () => {
    const a = makeCredential("a.example");
    const dir = await storeWith([a]);
    const forgedId = new Uint8Array(32).fill(7);
    await withRawDb(dir, async (db) => {
      await db.put(`c!${hex(a.rpIdHash)}!${hex(forgedId)}`, (await db.get(recordKey(a)))!);
    });
    const ks = await Keystore.open(dir, PASSPHRASE);
    try {
      const err = await ks.getCredential(a.rpIdHash, forgedId).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as IntegrityError).credentialId).toEqual(forgedId);
    } finally {
      await ks.close();
    }
  });

  it("an edited or swapped counter is detected rather than trusted", async () => {
    const a = makeCredential();
    const b = makeCredential();
    const dir = await storeWith([a, b]);
    const ks1 = await Keystore.open(dir, PASSPHRASE);
    await ks1.setSignCount(b.id, 1000);
    await ks1.close();
    // roll a's counter "forward" by pasting b's higher counter over it
    await withRawDb(dir, async (db) => db.put(`n!${hex(a.id)}`, (await db.get(`n!${hex(b.id)}`))!));
    await flipByte(dir, `n!${hex(b.id)}`, 20);

    const ks = await Keystore.open(dir, PASSPHRASE);
    try {
      for (const c of [a, b]) {
        const err = await ks.nextSignCount(c.id).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(IntegrityError);
        expect((err as IntegrityError).credentialId).toEqual(c.id);
      }
      expect(await ks.getCredential(a.rpIdHash, a.id)).toEqual(a);
    } finally {
      await ks.close();
    }
  });

  it("a tampered setting is an IntegrityError", async () => {
    const dir = await storeWith([]);
    await flipByte(dir, "s!pin", 15);
    const ks = await Keystore.open(dir, PASSPHRASE);
    try {
      const err = await ks.getSetting("pin").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as IntegrityError).credentialId).toBeUndefined();
      expect((err as Error).message).toContain("pin");
    } finally {
      await ks.close();
    }
  });
});

/** The raw EC private scalar d inside the PKCS#8 DER. */
function privateScalar(pkcs8: Uint8Array): Uint8Array {
  const jwk = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" }).export({ format: "jwk" });
  return new Uint8Array(Buffer.from(jwk.d!, "base64url"));
}

describe("nothing secret on disk", () => {
  it("no file under the store holds a private key, user id, user name, display name or RP name", async () => {
    const creds = [makeCredential("a.example"), makeCredential("b.example")];
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    for (const c of creds) await ks.putCredential(c);
    await ks.putSetting("pin", { pinHash: new Uint8Array(Buffer.from("PINHASH-SECRET-0123456789")) });
    await ks.updateCredential({ ...creds[0]!, user: { ...creds[0]!.user!, displayName: "Updated Display Name" } });
    await ks.close();
    // and once more after a reopen, so LevelDB has rotated its log at least once
    await (await Keystore.open(dir, PASSPHRASE)).close();

    const files = filesUnder(dir);
    expect(files.length).toBeGreaterThan(2);
    const contents = files.map((f) => ({ file: path.basename(f), bytes: fs.readFileSync(f) }));
    const needles: Array<[string, Buffer]> = [[PASSPHRASE, Buffer.from(PASSPHRASE)], ["pin hash", Buffer.from("PINHASH-SECRET")], ["display name", Buffer.from("Updated Display Name")]];
    for (const c of creds) {
      needles.push(
        ["private key", Buffer.from(c.privateKey)],
        ["private scalar", Buffer.from(privateScalar(c.privateKey))],
        ["user id", Buffer.from(c.user!.id)],
        ["user id (hex)", Buffer.from(hex(c.user!.id))],
        ["user name", Buffer.from(c.user!.name!)],
        ["display name", Buffer.from(c.user!.displayName!)],
        ["rp name", Buffer.from(c.rpName!)],
        ["rp id", Buffer.from(c.rpId)],
      );
    }
    for (const { file, bytes } of contents) {
      for (const [what, needle] of needles) expect(bytes.includes(needle), `${what} found in ${file}`).toBe(false);
    }
    // sanity: the search itself works (the credential ID is in the keys, in hex)
    expect(contents.some(({ bytes }) => bytes.includes(Buffer.from(hex(creds[0]!.id))))).toBe(true);
  });
});

describe("file modes", () => {
  const mode = (p: string): number => fs.statSync(p).mode & 0o777;

  it("the store directory is 0700 and LevelDB's files 0600, whatever the umask", async () => {
    const previous = process.umask(0o022);
    try {
      const dir = tempStoreDir();
      const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
      await ks.putCredential(makeCredential());
      expect(mode(dir)).toBe(0o700);
      for (const f of filesUnder(dir)) expect(mode(f), f).toBe(0o600);
      await ks.close();
      expect(mode(dir)).toBe(0o700);
      for (const f of filesUnder(dir)) expect(mode(f), f).toBe(0o600);

      // loosened behind our back: open tightens again
      fs.chmodSync(dir, 0o755);
      for (const f of filesUnder(dir)) fs.chmodSync(f, 0o644);
      const reopened = await Keystore.open(dir, PASSPHRASE);
      expect(mode(dir)).toBe(0o700);
      for (const f of filesUnder(dir)) expect(mode(f), f).toBe(0o600);
      await reopened.close();
    } finally {
      process.umask(previous);
    }
  });

  it("leaves files that are not LevelDB's alone", async () => {
    const dir = tempStoreDir();
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "README.md"), "store lives here\n", { mode: 0o644 });
    fs.chmodSync(path.join(dir, "README.md"), 0o644);
    await (await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT })).close();
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, "README.md"))).toBe(0o644);
    expect(mode(path.join(dir, "CURRENT"))).toBe(0o600);
  });
});
