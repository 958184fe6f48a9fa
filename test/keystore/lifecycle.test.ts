import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_SCRYPT,
  Keystore,
  KeystoreError,
  StoreClosedError,
  StoreExistsError,
  StoreLockedError,
  StoreNotFoundError,
  WrongPassphraseError,
} from "../../src/keystore/index.js";
import {
  FAST_SCRYPT,
  PASSPHRASE,
  makeCredential,
  rawEntries,
  removeTempDirs,
  spawnModule,
  tempStoreDir,
  waitForExit,
  waitForLine,
} from "./helpers.js";

afterEach(removeTempDirs);

describe("Keystore lifecycle", () => {
  it("exports the default scrypt cost N=2^14, r=8, p=1", () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 16384, r: 8, p: 1 });
  });

  it("creates a store, reopens it with the passphrase and keeps what was stored", async () => {
    const dir = tempStoreDir();
    expect(await Keystore.exists(dir)).toBe(false);
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    expect(ks.dir).toBe(path.resolve(dir));
    expect(ks.scrypt).toEqual(FAST_SCRYPT);
    const cred = makeCredential();
    await ks.putCredential(cred);
    await ks.close();
    expect(await Keystore.exists(dir)).toBe(true);

    const reopened = await Keystore.open(dir, PASSPHRASE);
    expect(reopened.scrypt).toEqual(FAST_SCRYPT);
    expect(await reopened.getCredential(cred.rpIdHash, cred.id)).toEqual(cred);
    await reopened.close();
  });

  it("records the scrypt cost in the store, so open uses the cost the store was made with", async () => {
    const dir = tempStoreDir();
    const params = { N: 2 ** 11, r: 4, p: 2 };
    await (await Keystore.create(dir, PASSPHRASE, { scrypt: params })).close();
    const ks = await Keystore.open(dir, PASSPHRASE);
    expect(ks.scrypt).toEqual(params);
    await ks.close();
  });

  it("rejects invalid scrypt parameters", async () => {
    await expect(Keystore.create(tempStoreDir(), PASSPHRASE, { scrypt: { N: 1000, r: 8, p: 1 } })).rejects.toThrow(RangeError);
  });

  it("refuses to create over an existing store, leaving it intact", async () => {
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    await ks.putCredential(makeCredential());
    await ks.close();
    const before = await rawEntries(dir);

    const err = await Keystore.create(dir, "another passphrase", { scrypt: FAST_SCRYPT }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreExistsError);
    expect((err as StoreExistsError).code).toBe("STORE_EXISTS");
    expect(await rawEntries(dir)).toEqual(before);
    await (await Keystore.open(dir, PASSPHRASE)).close();
  });

  it("refuses to create while another handle holds the store", async () => {
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    await expect(Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT })).rejects.toBeInstanceOf(StoreExistsError);
    await ks.close();
  });

  it("create succeeds over an empty LevelDB left by a create that crashed before writing its metadata", async () => {
    const dir = tempStoreDir();
    const { Level } = await import("level");
    const db = new Level(dir);
    await db.open();
    await db.close();
    expect(await Keystore.exists(dir)).toBe(true);
    await expect(Keystore.open(dir, PASSPHRASE)).rejects.toBeInstanceOf(StoreNotFoundError);
    await (await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT })).close();
    await (await Keystore.open(dir, PASSPHRASE)).close();
  });

  it("refuses to create over a LevelDB that holds other data", async () => {
    const dir = tempStoreDir();
    const { Level } = await import("level");
    const db = new Level(dir);
    await db.put("unrelated", "data");
    await db.close();
    await expect(Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT })).rejects.toBeInstanceOf(StoreExistsError);
  });

  it("open of a missing store says to run init and creates nothing", async () => {
    const dir = tempStoreDir();
    const err = await Keystore.open(dir, PASSPHRASE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreNotFoundError);
    expect(err).toBeInstanceOf(KeystoreError);
    expect((err as StoreNotFoundError).code).toBe("STORE_NOT_FOUND");
    expect((err as Error).message).toBe(`no softkey store at ${path.resolve(dir)}: run softkey init`);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("open of an empty existing directory is StoreNotFoundError", async () => {
    const dir = tempStoreDir();
    fs.mkdirSync(dir);
    await expect(Keystore.open(dir, PASSPHRASE)).rejects.toBeInstanceOf(StoreNotFoundError);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("open of a LevelDB without softkey metadata is StoreNotFoundError", async () => {
    const dir = tempStoreDir();
    const { Level } = await import("level");
    const db = new Level(dir);
    await db.put("unrelated", "data");
    await db.close();
    await expect(Keystore.open(dir, PASSPHRASE)).rejects.toBeInstanceOf(StoreNotFoundError);
  });

  it("a wrong passphrase fails with WrongPassphraseError and changes nothing", async () => {
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    const cred = makeCredential();
    await ks.putCredential(cred);
    await ks.putSetting("config", { alwaysUv: false });
    await ks.close();
    const before = await rawEntries(dir);

    const err = await Keystore.open(dir, "wrong passphrase").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongPassphraseError);
    expect((err as WrongPassphraseError).code).toBe("WRONG_PASSPHRASE");
    expect(await rawEntries(dir)).toEqual(before);

    // and the store is not left locked or damaged
    const reopened = await Keystore.open(dir, PASSPHRASE);
    expect(await reopened.getCredential(cred.rpIdHash, cred.id)).toEqual(cred);
    await reopened.close();
  });

  it("normalizes the passphrase to NFC", async () => {
    const dir = tempStoreDir();
    await (await Keystore.create(dir, "caf\u00e9", { scrypt: FAST_SCRYPT })).close();
    await (await Keystore.open(dir, "cafe\u0301")).close();
  });

  it("a second handle in the same process gets StoreLockedError", async () => {
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    const err = await Keystore.open(dir, PASSPHRASE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect((err as StoreLockedError).code).toBe("STORE_LOCKED");
    expect((err as Error).message).toBe(`store ${path.resolve(dir)} is in use by another process`);
    await ks.close();
    await (await Keystore.open(dir, PASSPHRASE)).close();
  });

  it("a store held by another process gets StoreLockedError", async () => {
    const dir = tempStoreDir();
    await (await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT })).close();
    const child = spawnModule(
      `import { Level } from "level";
       const db = new Level(process.argv[1], { createIfMissing: false });
       await db.open();
       console.log("locked");
       setInterval(() => {}, 1000);`,
      [dir],
    );
    try {
      await waitForLine(child, (line) => line === "locked");
      await expect(Keystore.open(dir, PASSPHRASE)).rejects.toBeInstanceOf(StoreLockedError);
    } finally {
      child.kill("SIGKILL");
      await waitForExit(child);
    }
    await (await Keystore.open(dir, PASSPHRASE)).close();
  });

  it("changePassphrase: the new one opens, the old one no longer does, records survive", async () => {
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    const cred = makeCredential();
    await ks.putCredential(cred);
    await ks.changePassphrase("new passphrase");
    expect(await ks.getCredential(cred.rpIdHash, cred.id)).toEqual(cred);
    await ks.close();

    await expect(Keystore.open(dir, PASSPHRASE)).rejects.toBeInstanceOf(WrongPassphraseError);
    const reopened = await Keystore.open(dir, "new passphrase");
    expect(await reopened.getCredential(cred.rpIdHash, cred.id)).toEqual(cred);
    await reopened.close();
  });

  it("changePassphrase can change the scrypt cost", async () => {
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    const params = { N: 2 ** 12, r: 8, p: 1 };
    await ks.changePassphrase("other", { scrypt: params });
    expect(ks.scrypt).toEqual(params);
    await ks.close();
    const reopened = await Keystore.open(dir, "other");
    expect(reopened.scrypt).toEqual(params);
    await reopened.close();
  });

  it("changePassphrase rewraps only the data key: credential records are byte-identical", async () => {
    const dir = tempStoreDir();
    const ks = await Keystore.create(dir, PASSPHRASE, { scrypt: FAST_SCRYPT });
    await ks.putCredential(makeCredential());
    await ks.close();
    const before = await rawEntries(dir);
    const header = fs.readFileSync(path.join(dir, "SOFTKEY"));
    const ks2 = await Keystore.open(dir, PASSPHRASE);
    await ks2.changePassphrase("new passphrase");
    await ks2.close();
    // The wrapped key lives in the header file beside the database, which is rewritten whole; no record changes.
    expect(fs.readFileSync(path.join(dir, "SOFTKEY")).equals(header)).toBe(false);
    expect(await rawEntries(dir)).toEqual(before);
  });

  it("close is idempotent and later calls reject with StoreClosedError", async () => {
    const ks = await Keystore.create(tempStoreDir(), PASSPHRASE, { scrypt: FAST_SCRYPT });
    const cred = makeCredential();
    await ks.putCredential(cred);
    await Promise.all([ks.close(), ks.close()]);
    await ks.close();
    await expect(ks.getCredential(cred.rpIdHash, cred.id)).rejects.toBeInstanceOf(StoreClosedError);
    await expect(ks.nextSignCount(cred.id)).rejects.toBeInstanceOf(StoreClosedError);
    await expect(ks.putSetting("x", 1)).rejects.toBeInstanceOf(StoreClosedError);
  });
});
