/** --format cdp: Chrome's WebAuthn.Credential objects (the browser side is in test/browser/exchange.test.ts). */
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { exportCredentials, importCredentials, type CdpCredential } from "../../src/exchange/index.js";
import { InvalidEntriesError } from "../../src/exchange/errors.js";
import { devicesForEachTest, signInVerified } from "./helpers.js";

const b64 = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString("base64");

describe("CDP format", () => {
  const { seeded, emptyDevice } = devicesForEachTest();

  it("exports WebAuthn.Credential objects with base64 fields and PKCS#8 P-256 keys", async () => {
    const source = await seeded();
    await source.device.key.setBackupFlags(source.credentials[0]!.id, { eligible: true, state: false });
    const { data, exported } = await exportCredentials(source.device.key, { format: "cdp" });
    expect(exported).toHaveLength(2);
    const alice = data.find((c) => c.credentialId === b64(Buffer.from(source.credentials[0]!.id, "base64url")))!;
    expect(Object.keys(alice).sort()).toEqual(
      ["backupEligibility", "backupState", "credentialId", "isResidentCredential", "privateKey", "rpId", "signCount", "userDisplayName", "userHandle", "userName"].sort(),
    );
    expect(alice).toMatchObject({ isResidentCredential: true, rpId: "example.com", signCount: 1, backupEligibility: true, backupState: false, userName: "alice@example.com" });
    const key = createPrivateKey({ key: Buffer.from(alice.privateKey, "base64"), format: "der", type: "pkcs8" });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const bob = data.find((c) => c !== alice)!;
    expect(bob.isResidentCredential).toBe(false);
    expect(bob.userName).toBeUndefined();
  });

  it("round-trips into another store, which signs in with the RP's stored key and counter", async () => {
    const source = await seeded();
    const { data } = await exportCredentials(source.device.key, { format: "cdp" });
    const target = await emptyDevice();
    const { imported, warnings } = await importCredentials(target.key, JSON.parse(JSON.stringify(data)), { format: "cdp" });
    expect(imported.map((c) => c.rpId)).toEqual(["example.com", "example.com"]);
    expect(warnings).toEqual([]);
    const { credentials } = await target.key.listCredentials();
    expect(credentials.map((c) => `${c.userName ?? "-"} ${c.discoverable} ${c.signCount}`).sort()).toEqual(["- false 1", "alice@example.com true 1"]);
    for (const credential of source.credentials) await signInVerified(target.key, credential);
  });

  it("refuses EdDSA clearly, or leaves it out when asked", async () => {
    const source = await seeded({ eddsa: true });
    await expect(exportCredentials(source.device.key, { format: "cdp" })).rejects.toMatchObject({
      code: "UNSUPPORTED",
      message: expect.stringMatching(/cannot be exported in CDP format: it is EdDSA; Chrome's virtual authenticator \(CDP\) holds ES256 \(P-256\) keys only/),
    });
    const { data, skipped } = await exportCredentials(source.device.key, { format: "cdp", skipUnsupported: true });
    expect(data).toHaveLength(2);
    expect(skipped).toEqual([{ credentialId: source.credentials[2]!.id, rpId: "example.com", reason: expect.stringMatching(/EdDSA/) }]);
  });

  it("validates every entry and writes nothing when one is bad", async () => {
    const target = await emptyDevice();
    const p256 = b64(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "der", type: "pkcs8" }));
    const p384 = b64(generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey.export({ format: "der", type: "pkcs8" }));
    const ed25519 = b64(generateKeyPairSync("ed25519").privateKey.export({ format: "der", type: "pkcs8" }));
    const good: CdpCredential = { credentialId: b64(Buffer.alloc(16, 1)), isResidentCredential: true, rpId: "localhost", privateKey: p256, userHandle: b64(Buffer.from("u1")), signCount: 3 };
    const cases: [Partial<CdpCredential> & Record<string, unknown>, RegExp][] = [
      [{ credentialId: "not base64!" }, /credentialId is not valid base64/],
      [{ credentialId: "" }, /credentialId is empty/],
      [{ privateKey: p384 }, /privateKey is an ES384 key where ES256 \(P-256\) is required/],
      [{ privateKey: ed25519 }, /privateKey is an EdDSA key where ES256 \(P-256\) is required/],
      [{ privateKey: b64(Buffer.from("nonsense")) }, /privateKey is not a PKCS#8 private key/],
      [{ rpId: "https://example.com" }, /rpId "https:\/\/example.com" is not a domain/],
      [{ rpId: "Example.com" }, /is not a domain/],
      [{ rpId: undefined }, /rpId must be a string, got nothing/],
      [{ userHandle: b64(Buffer.alloc(65)) }, /userHandle is 65 bytes; WebAuthn allows at most 64/],
      [{ userHandle: undefined }, /a resident credential needs a userHandle/],
      [{ signCount: -2 }, /signCount must be an integer from -1/],
      [{ signCount: 1.5 }, /signCount must be an integer/],
      [{ backupState: true }, /backupState true needs backupEligibility true/],
      [{ isResidentCredential: "yes" as unknown as boolean }, /isResidentCredential must be true or false/],
    ];
    const input = [good, ...cases.map(([change], i) => ({ ...good, credentialId: b64(Buffer.alloc(16, i + 2)), ...change }))];
    const error = await importCredentials(target.key, input, { format: "cdp" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEntriesError);
    const problems = (error as InvalidEntriesError).problems;
    expect(problems.map((p) => p.index)).toEqual(cases.map((_, i) => i + 1));
    cases.forEach(([, pattern], i) => expect(problems[i]!.message).toMatch(pattern));
    expect((error as Error).message).toMatch(new RegExp(`^${cases.length} of ${cases.length + 1} entries are invalid, nothing was imported: entry 2 .*; and ${cases.length - 5} more$`));
    expect((await target.key.keystore.countCredentials()).total).toBe(0);

    // The good one alone goes in; -1 (no counter) reads as 0; a largeBlob is reported, not imported.
    const { imported, warnings } = await importCredentials(target.key, [{ ...good, signCount: -1, largeBlob: b64(Buffer.from("blob")) }], { format: "cdp" });
    expect(imported).toEqual([{ credentialId: Buffer.alloc(16, 1).toString("base64url"), rpId: "localhost", replaced: false }]);
    expect(warnings).toEqual([expect.stringMatching(/largeBlob was not imported/)]);
    expect(await target.key.keystore.getSignCount(Buffer.alloc(16, 1))).toBe(0);
    await expect(importCredentials(target.key, { credentials: [] }, { format: "cdp" })).rejects.toThrow(/must be a JSON array/);
  });
});
