/**
 * A store written by softkey 0.1.0 (test/fixtures/store-v0.1.0, made with that version's CLI:
 * two credentials, three assertions for the first, a PIN) still opens, lists and signs: the
 * on-disk format is a promise kept across versions. The fixture is copied first, so the test
 * never writes into the repository.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { verifyAuthenticationResponse, verifyRegistrationResponse, type RegistrationResponseJSON } from "@simplewebauthn/server";
import { afterEach, describe, expect, it } from "vitest";
import { Softkey } from "../../src/softkey.js";

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/store-v0.1.0");
const PASSPHRASE = "fixture passphrase v0.1.0";
const ORIGIN = "https://example.com";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function copyOfFixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "softkey-format-"));
  dirs.push(dir);
  cpSync(path.join(FIXTURE, "store"), path.join(dir, "store"), { recursive: true });
  return path.join(dir, "store");
}

async function registered(file: string, challenge: string) {
  const response = JSON.parse(readFileSync(path.join(FIXTURE, file), "utf8")) as RegistrationResponseJSON;
  const { registrationInfo } = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: "example.com",
    requireUserVerification: false,
    supportedAlgorithmIDs: [-7, -8],
  });
  return registrationInfo!.credential;
}

describe("a store written by softkey 0.1.0", () => {
  it("opens, lists its credentials and counters, and signs assertions the RP verifies", async () => {
    const alice = await registered("reg-alice.json", "Y2hhbGxlbmdlLW9uZQ");
    const bob = await registered("reg-bob.json", "Y2hhbGxlbmdlLXR3bw");
    const key = await Softkey.open(copyOfFixture(), { passphrase: PASSPHRASE, pin: "123456" });
    try {
      const { credentials, corrupted } = await key.listCredentials();
      expect(corrupted).toEqual([]);
      expect(credentials.map((c) => [c.credentialId, c.algorithm, c.discoverable, c.signCount])).toEqual([
        [alice.id, "ES256", true, 3],
        [bob.id, "EdDSA", false, 0],
      ]);

      for (const [credential, allow] of [
        [alice, []],
        [bob, [{ type: "public-key", id: bob.id }]],
      ] as const) {
        const challenge = Buffer.from(`after the upgrade ${credential.id}`).toString("base64url");
        const response = await key.get({ challenge, rpId: "example.com", allowCredentials: [...allow], userVerification: "required" }, { origin: ORIGIN });
        const { verified, authenticationInfo } = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: "example.com",
          credential: { ...credential, counter: credential === alice ? 3 : 0 },
          requireUserVerification: true,
        });
        expect(verified).toBe(true);
        expect(authenticationInfo.credentialID).toBe(credential.id);
      }
    } finally {
      await key.close();
    }
  });

  it("refuses a wrong passphrase without a file of the store changing (its unlock data is read from a copy)", async () => {
    const store = copyOfFixture();
    const files = () =>
      new Map(
        readdirSync(store).map((name) => {
          const stat = statSync(path.join(store, name));
          return [name, `${createHash("sha256").update(readFileSync(path.join(store, name))).digest("hex")} ${stat.mode & 0o777} ${stat.mtimeMs}`];
        }),
      );
    const before = files();
    await expect(Softkey.open(store, { passphrase: "not it" })).rejects.toThrow(/wrong passphrase/);
    expect(files()).toEqual(before);
  });

  it("moves to the current format on its first open with the right passphrase: a header file, and a manifest of the settings it had", async () => {
    const store = copyOfFixture();
    expect(existsSync(path.join(store, "SOFTKEY"))).toBe(false);
    await (await Softkey.open(store, { passphrase: PASSPHRASE })).close();
    expect(statSync(path.join(store, "SOFTKEY")).mode & 0o777).toBe(0o600);
    const key = await Softkey.open(store, { passphrase: PASSPHRASE, pin: "123456" });
    try {
      // The PIN state it had is in the manifest: it reads as set, and deleting it now would be noticed.
      expect(await key.keystore.getSetting<{ pinHash?: unknown }>("clientPin")).toMatchObject({ pinHash: expect.anything() });
      expect((await key.keystore.integrityInfo()).highestSignCount).toBe(3);
    } finally {
      await key.close();
    }
  });
});
