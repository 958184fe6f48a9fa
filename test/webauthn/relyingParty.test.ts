/**
 * Every registration and assertion goes through softkey's WebAuthn client and
 * the real authenticator core over a real store, and is verified by a real
 * relying-party library (@simplewebauthn/server): attestation, signature,
 * rpIdHash, flags and counter.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { Softkey } from "../../src/softkey.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";

const origin = "https://login.example.com";
const rpID = "example.com";

let dir: string;
let key: Softkey;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "softkey-rp-"));
  key = await Softkey.init(join(dir, "store"), "rp test", { scrypt: TEST_SCRYPT });
});
afterEach(async () => {
  await key.close();
  rmSync(dir, { recursive: true, force: true });
});

async function register(alg: number, residentKey: "required" | "discouraged", userName = "alice@example.com", attestationType: "direct" | "none" = "direct") {
  const options = await generateRegistrationOptions({
    rpName: "Example",
    rpID,
    userName,
    attestationType,
    supportedAlgorithmIDs: [alg],
    authenticatorSelection: { residentKey, userVerification: "preferred" },
  });
  const response = await key.create(options, { origin });
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: true,
    supportedAlgorithmIDs: [alg],
  });
  expect(verification.verified).toBe(true);
  return { response, info: verification.registrationInfo! };
}

describe.each([
  ["ES256", -7],
  ["EdDSA", -8],
])("%s", (_name, alg) => {
  describe.each(["required", "discouraged"] as const)("residentKey %s", (residentKey) => {
    it("registers with packed attestation and signs in with increasing counters", async () => {
      const { response, info } = await register(alg, residentKey);
      expect(info.fmt).toBe("packed");
      expect(info.credentialDeviceType).toBe("singleDevice");
      expect(response.response.publicKeyAlgorithm).toBe(alg);
      expect(response.clientExtensionResults.credProps?.rk).toBe(residentKey === "required");

      let counter = info.credential.counter;
      for (let i = 0; i < 3; i++) {
        const options = await generateAuthenticationOptions({
          rpID,
          userVerification: "required",
          // A discoverable credential is found without an allowList, as in a username-less sign-in.
          allowCredentials: residentKey === "required" ? [] : [{ id: info.credential.id }],
        });
        const assertion = await key.get(options, { origin });
        const verification = await verifyAuthenticationResponse({
          response: assertion,
          expectedChallenge: options.challenge,
          expectedOrigin: origin,
          expectedRPID: rpID,
          credential: { id: info.credential.id, publicKey: info.credential.publicKey, counter },
          requireUserVerification: true,
        });
        expect(verification.verified).toBe(true);
        expect(verification.authenticationInfo.newCounter).toBeGreaterThan(counter);
        counter = verification.authenticationInfo.newCounter;
        if (residentKey === "required") expect(assertion.response.userHandle).toBeTruthy();
      }
    });
  });
});

it("attestation none verifies as none", async () => {
  const { info } = await register(-7, "discouraged", "bob", "none");
  expect(info.fmt).toBe("none");
});

it("presence-only sign-in verifies when the RP does not require UV, and fails when it does", async () => {
  const { info } = await register(-7, "discouraged");
  const options = await generateAuthenticationOptions({ rpID, userVerification: "discouraged", allowCredentials: [{ id: info.credential.id }] });
  const assertion = await key.get(options, { origin });
  const expected = {
    response: assertion,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential: { id: info.credential.id, publicKey: info.credential.publicKey, counter: info.credential.counter },
  };
  await expect(verifyAuthenticationResponse({ ...expected, requireUserVerification: false })).resolves.toMatchObject({ verified: true });
  await expect(verifyAuthenticationResponse({ ...expected, requireUserVerification: true })).rejects.toThrow(/verif/i);
});

it("an assertion is refused by the RP for another origin's challenge", async () => {
  const { info } = await register(-7, "discouraged");
  const options = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: info.credential.id }] });
  const assertion = await key.get(options, { origin });
  await expect(
    verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: options.challenge,
      expectedOrigin: "https://evil.example.net",
      expectedRPID: rpID,
      credential: { id: info.credential.id, publicKey: info.credential.publicKey, counter: 0 },
    }),
  ).rejects.toThrow(/origin/i);
});

it("excludeCredentials makes create fail with InvalidStateError", async () => {
  const { info } = await register(-7, "discouraged");
  const options = await generateRegistrationOptions({ rpName: "Example", rpID, userName: "alice", excludeCredentials: [{ id: info.credential.id }] });
  await expect(key.create(options, { origin })).rejects.toMatchObject({ name: "InvalidStateError" });
});

it("a look-alike origin is refused with SecurityError before the authenticator is asked", async () => {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID, userName: "alice" });
  await expect(key.create(options, { origin: "https://example.com.evil.test" })).rejects.toMatchObject({ name: "SecurityError" });
  await expect(key.create(options, { origin: "https://examp1e.com" })).rejects.toMatchObject({ name: "SecurityError" });
  expect((await key.listCredentials()).credentials).toHaveLength(0);
});

it("counters keep increasing after the store is closed and opened again", async () => {
  const { info } = await register(-7, "discouraged");
  const signIn = async (k: Softkey) => {
    const options = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: info.credential.id }] });
    const assertion = await k.get(options, { origin });
    return Buffer.from(assertion.response.authenticatorData, "base64url").readUInt32BE(33);
  };
  const before = [await signIn(key), await signIn(key), await signIn(key)];
  await key.close();
  key = await Softkey.open(join(dir, "store"), { passphrase: "rp test" });
  const after = await signIn(key);
  expect(before[1]).toBeGreaterThan(before[0]!);
  expect(before[2]).toBeGreaterThan(before[1]!);
  expect(after).toBeGreaterThan(before[2]!);
});
