/** --format softkey: an encrypted, lossless bundle between softkey stores. */
import { describe, expect, it } from "vitest";
import { exportCredentials, importCredentials } from "../../src/exchange/index.js";
import { ExchangeError, InvalidEntriesError } from "../../src/exchange/errors.js";
import { readEntries } from "../../src/exchange/readEntries.js";
import { sealBundle, type SoftkeyBundle } from "../../src/exchange/softkeyBundle.js";
import { TEST_BUNDLE_SCRYPT, devicesForEachTest, signInVerified, storeContents, type Seeded } from "./helpers.js";

const BUNDLE_PASSPHRASE = "bundle passphrase";

describe("softkey bundle", () => {
  const { seeded, emptyDevice } = devicesForEachTest();
  const exportBundle = async (s: Seeded) =>
    (await exportCredentials(s.device.key, { format: "softkey", passphrase: BUNDLE_PASSPHRASE, scrypt: TEST_BUNDLE_SCRYPT })).data;

  it("round-trips every field of every record, counters included, and the credentials sign in from the new store", async () => {
    const source = await seeded({ eddsa: true });
    // Extension state, backup flags and a counter well above zero travel too.
    const [alice] = await readEntries(source.device.key, { credentialId: source.credentials[0]!.id });
    await source.device.key.keystore.updateCredential({ ...alice!.record, extensions: { credProtect: 2, credBlob: new Uint8Array([1, 2, 3]) } });
    await source.device.key.setBackupFlags(source.credentials[0]!.id, { eligible: true, state: true });
    for (let i = 0; i < 3; i++) await signInVerified(source.device.key, source.credentials[1]!);

    const bundle = await exportBundle(source);
    expect(bundle).toMatchObject({ format: "softkey-bundle", version: 1, kdf: { name: "scrypt", N: 1024, r: 8, p: 1 } });
    expect(Object.keys(bundle).sort()).toEqual(["ciphertext", "format", "kdf", "keyCheck", "nonce", "version"]);
    // Nothing readable in it: no RP ID, no user name.
    expect(JSON.stringify(bundle)).not.toMatch(/example\.com/);

    const target = await emptyDevice();
    const result = await importCredentials(target.key, JSON.stringify(bundle), { format: "softkey", passphrase: BUNDLE_PASSPHRASE });
    expect(result.imported).toHaveLength(3);
    expect(result.imported.every((c) => !c.replaced)).toBe(true);
    expect(await storeContents(target.key)).toEqual(await storeContents(source.device.key));
    expect(await target.key.keystore.countCredentials()).toEqual({ total: 3, discoverable: 2 });

    // The RP, which saw the source's counters, accepts the target's next assertions.
    for (const credential of source.credentials) await signInVerified(target.key, credential);
  });

  it("a wrong bundle passphrase is a clear error and writes nothing", async () => {
    const bundle = await exportBundle(await seeded());
    const target = await emptyDevice();
    const error = await importCredentials(target.key, bundle, { format: "softkey", passphrase: "not it" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeError);
    expect(error).toMatchObject({ code: "WRONG_PASSPHRASE", message: expect.stringMatching(/wrong bundle passphrase/) });
    expect((await target.key.keystore.countCredentials()).total).toBe(0);
  });

  it("an altered ciphertext, nonce or header is an integrity error, not a wrong passphrase", async () => {
    const bundle = await exportBundle(await seeded());
    const target = await emptyDevice();
    const flip = (text: string, at: number) => {
      const bytes = Buffer.from(text, "base64url");
      bytes[at]! ^= 0x01;
      return bytes.toString("base64url");
    };
    const attempts: [string, SoftkeyBundle, string][] = [
      ["ciphertext", { ...bundle, ciphertext: flip(bundle.ciphertext, 10) }, "INTEGRITY"],
      ["tag", { ...bundle, ciphertext: flip(bundle.ciphertext, Buffer.from(bundle.ciphertext, "base64url").length - 1) }, "INTEGRITY"],
      ["nonce", { ...bundle, nonce: flip(bundle.nonce, 0) }, "INTEGRITY"],
      ["truncated", { ...bundle, ciphertext: Buffer.from(bundle.ciphertext, "base64url").subarray(0, 40).toString("base64url") }, "INTEGRITY"],
      // The header is bound to keyCheck (and is the GCM additional data): a changed cost reads as "wrong passphrase or altered header".
      ["kdf", { ...bundle, kdf: { ...bundle.kdf, N: 2048 } }, "WRONG_PASSPHRASE"],
    ];
    for (const [what, altered, code] of attempts) {
      const error = await importCredentials(target.key, altered, { format: "softkey", passphrase: BUNDLE_PASSPHRASE }).catch((e: unknown) => e);
      expect(error, what).toBeInstanceOf(ExchangeError);
      expect((error as ExchangeError).code, what).toBe(code);
      if (code === "INTEGRITY") expect((error as Error).message).toMatch(/integrity check/);
    }
    expect((await target.key.keystore.countCredentials()).total).toBe(0);
  });

  it("refuses what is not a bundle, or one that would cost too much to open", async () => {
    const target = await emptyDevice();
    const bundle = await exportBundle(await seeded());
    for (const [value, pattern] of [
      [[], /not a softkey bundle: expected a JSON object/],
      [{ ...bundle, format: "other" }, /format must be "softkey-bundle"/],
      [{ ...bundle, version: 2 }, /version 2 is not supported/],
      [{ ...bundle, kdf: { ...bundle.kdf, N: 1000 } }, /power of two/],
      [{ ...bundle, kdf: { ...bundle.kdf, N: 2 ** 22, r: 8 } }, /more than 1024 MiB/],
      [{ ...bundle, nonce: "!!" }, /nonce must be a base64url string/],
    ] as const) {
      await expect(importCredentials(target.key, value, { format: "softkey", passphrase: BUNDLE_PASSPHRASE })).rejects.toThrow(pattern);
    }
  });

  it("is all or nothing: one bad entry refuses the whole bundle, naming it", async () => {
    const source = await seeded();
    const entries = await readEntries(source.device.key);
    const bad = { ...entries[1]!, record: { ...entries[1]!.record, rpIdHash: new Uint8Array(32) } };
    const worse = { ...entries[0]!, record: { ...entries[0]!.record, privateKey: new Uint8Array([1, 2, 3]) } };
    const bundle = await sealBundle([entries[0]!, bad], BUNDLE_PASSPHRASE, { scrypt: TEST_BUNDLE_SCRYPT });
    const target = await emptyDevice();
    const error = await importCredentials(target.key, bundle, { format: "softkey", passphrase: BUNDLE_PASSPHRASE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEntriesError);
    expect((error as InvalidEntriesError).problems).toEqual([{ index: 1, credentialId: source.credentials[1]!.id, message: expect.stringMatching(/rpIdHash is not SHA-256/) }]);
    expect((error as Error).message).toMatch(/^1 of 2 entries are invalid, nothing was imported: entry 2 \(/);
    expect((await target.key.keystore.countCredentials()).total).toBe(0);

    const both = await sealBundle([worse, bad], BUNDLE_PASSPHRASE, { scrypt: TEST_BUNDLE_SCRYPT });
    await expect(importCredentials(target.key, both, { format: "softkey", passphrase: BUNDLE_PASSPHRASE })).rejects.toThrow(
      /2 of 2 entries are invalid.*entry 1 .*privateKey is not a PKCS#8 ES256 private key.*entry 2 .*rpIdHash/,
    );
    expect((await target.key.keystore.countCredentials()).total).toBe(0);
  });

  it("refuses credential IDs already in the store unless replace, and then replaces them with their counters", async () => {
    const source = await seeded();
    const bundle = await exportBundle(source);
    const target = await emptyDevice();
    await importCredentials(target.key, bundle, { format: "softkey", passphrase: BUNDLE_PASSPHRASE });
    // The target moves on; re-importing the older bundle is refused whole.
    await signInVerified(target.key, source.credentials[0]!);
    const error = await importCredentials(target.key, bundle, { format: "softkey", passphrase: BUNDLE_PASSPHRASE }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "DUPLICATE", message: expect.stringMatching(/^2 credentials already in the store: .*nothing was imported \(use --replace/) });

    const replaced = await importCredentials(target.key, bundle, { format: "softkey", passphrase: BUNDLE_PASSPHRASE, replace: true });
    expect(replaced.imported.map((c) => c.replaced)).toEqual([true, true]);
    expect(await storeContents(target.key)).toEqual(await storeContents(source.device.key));
    expect(await target.key.keystore.countCredentials()).toEqual({ total: 2, discoverable: 1 });
  });

  it("exports one RP or one credential", async () => {
    const source = await seeded();
    const one = await exportCredentials(source.device.key, { format: "softkey", passphrase: BUNDLE_PASSPHRASE, scrypt: TEST_BUNDLE_SCRYPT, credentialId: source.credentials[1]!.id });
    expect(one.exported).toEqual([{ credentialId: source.credentials[1]!.id, rpId: "example.com" }]);
    const none = await exportCredentials(source.device.key, { format: "softkey", passphrase: BUNDLE_PASSPHRASE, scrypt: TEST_BUNDLE_SCRYPT, rpId: "other.example" });
    expect(none.exported).toEqual([]);
    await expect(exportCredentials(source.device.key, { format: "softkey", scrypt: TEST_BUNDLE_SCRYPT })).rejects.toThrow(/needs its own passphrase/);
  });
});
