/** --format playwright: Playwright's context.credentials objects (the browser side is in test/browser/exchange.test.ts). */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { exportCredentials, importCredentials, type PlaywrightCredential } from "../../src/exchange/index.js";
import { InvalidEntriesError } from "../../src/exchange/errors.js";
import { devicesForEachTest, signInVerified } from "./helpers.js";

const b64u = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString("base64url");

describe("Playwright format", () => {
  const { seeded, emptyDevice } = devicesForEachTest();

  it("exports context.credentials objects: base64url id, userHandle, PKCS#8 privateKey, SPKI publicKey, signCount", async () => {
    const source = await seeded();
    const { data, warnings } = await exportCredentials(source.device.key, { format: "playwright" });
    expect(data).toHaveLength(2);
    for (const credential of data) {
      expect(Object.keys(credential).sort()).toEqual(["id", "privateKey", "publicKey", "rpId", "signCount", "userHandle"]);
      const privateKey = createPrivateKey({ key: Buffer.from(credential.privateKey, "base64url"), format: "der", type: "pkcs8" });
      const publicKey = createPublicKey({ key: Buffer.from(credential.publicKey, "base64url"), format: "der", type: "spki" });
      expect(publicKey.export({ format: "jwk" })).toEqual(createPublicKey(privateKey).export({ format: "jwk" }));
      expect(credential.signCount).toBe(1);
    }
    expect(data.map((c) => c.id).sort()).toEqual(source.credentials.map((c) => c.id).sort());
    // bob's credential is not discoverable; Playwright's authenticator makes every credential discoverable.
    expect(warnings).toEqual([expect.stringMatching(/is not discoverable here; Playwright's authenticator makes every credential discoverable/)]);
  });

  it("round-trips into another store, from the array or from a storage state", async () => {
    const source = await seeded();
    const { data } = await exportCredentials(source.device.key, { format: "playwright" });
    const target = await emptyDevice();
    const { imported } = await importCredentials(target.key, JSON.stringify({ cookies: [], origins: [], credentials: data }), { format: "playwright" });
    expect(imported).toHaveLength(2);
    for (const credential of source.credentials) await signInVerified(target.key, credential);
    const again = await emptyDevice();
    await importCredentials(again.key, data, { format: "playwright" });
    expect((await again.key.listCredentials()).credentials.every((c) => c.discoverable && c.signCount === 1)).toBe(true);
  });

  it("refuses EdDSA clearly, or leaves it out when asked", async () => {
    const source = await seeded({ eddsa: true });
    await expect(exportCredentials(source.device.key, { format: "playwright" })).rejects.toThrow(/cannot be exported in Playwright format: it is EdDSA/);
    const { data, skipped } = await exportCredentials(source.device.key, { format: "playwright", skipUnsupported: true });
    expect(data).toHaveLength(2);
    expect(skipped).toHaveLength(1);
  });

  it("validates every entry, the public key against the private key included, and writes nothing when one is bad", async () => {
    const target = await emptyDevice();
    const pair = () => {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      return { privateKey: b64u(privateKey.export({ format: "der", type: "pkcs8" })), publicKey: b64u(publicKey.export({ format: "der", type: "spki" })) };
    };
    const good: PlaywrightCredential = { id: b64u(Buffer.alloc(16, 1)), rpId: "localhost", userHandle: b64u(Buffer.from("user")), ...pair(), signCount: 0 };
    const cases: [Partial<PlaywrightCredential> & Record<string, unknown>, RegExp][] = [
      [{ publicKey: pair().publicKey }, /publicKey \(SPKI\) does not belong to privateKey/],
      [{ id: "a+b/" }, /id is not valid base64url/],
      [{ userHandle: "" }, /userHandle is empty/],
      [{ rpId: "localhost:3000" }, /is not a domain/],
      [{ signCount: 2 ** 32 }, /signCount must be an integer from 0 to 4294967295/],
    ];
    const input = [good, ...cases.map(([change], i) => ({ ...good, id: b64u(Buffer.alloc(16, i + 2)), ...change }))];
    const error = await importCredentials(target.key, input, { format: "playwright" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEntriesError);
    cases.forEach(([, pattern], i) => expect((error as InvalidEntriesError).problems[i]!.message).toMatch(pattern));
    expect((await target.key.keystore.countCredentials()).total).toBe(0);
    await expect(importCredentials(target.key, [good, good], { format: "playwright" })).rejects.toThrow(/appears more than once/);
    expect((await target.key.keystore.countCredentials()).total).toBe(0);
  });
});
