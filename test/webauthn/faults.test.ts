/**
 * Response faults: each switch makes @simplewebauthn/server refuse the
 * response for the reason the fault models, and switching it off makes the
 * same flow pass again. Faults come from Softkey.open({ faults }) here; the
 * CLI's `softkey fault set` is in test/cli/emulation.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { generateAuthenticationOptions, type WebAuthnCredential } from "@simplewebauthn/server";
import { FAULT_NAMES, NO_FAULTS, type FaultName } from "../../src/authenticator/faultSwitches.js";
import { ORIGIN, register, registered, RP_ID, signIn, TestDevice } from "../helpers/relyingParty.js";

let device: TestDevice;
let credential: WebAuthnCredential;

beforeEach(async () => {
  device = await TestDevice.create();
  credential = await registered(device.key);
});
afterEach(() => device.dispose());

/** Sign in with the fault on, then off; returns the RP's verdict with it on. */
async function signInWith(fault: FaultName, o: Parameters<typeof signIn>[2] = {}) {
  await device.reopen({ faults: { [fault]: true } });
  expect(device.key.faults[fault]).toBe(true);
  const faulty = await signIn(device.key, credential, o);
  await device.reopen();
  expect(device.key.faults).toBe(NO_FAULTS);
  const healthy = await signIn(device.key, credential, o);
  const ok = await healthy.verification;
  expect(ok.verified).toBe(true);
  credential = { ...credential, counter: ok.authenticationInfo.newCounter };
  return faulty;
}

async function registerWith(fault: FaultName, o: Parameters<typeof register>[1] = {}) {
  await device.reopen({ faults: { [fault]: true } });
  const faulty = await register(device.key, { userName: `faulty-${fault}`, ...o });
  await device.reopen();
  await expect((await register(device.key, { userName: `healthy-${fault}`, ...o })).verification).resolves.toMatchObject({ verified: true });
  return faulty;
}

it("names every fault, all off by default", () => {
  expect(FAULT_NAMES).toEqual(["isBogusSignature", "isBadUP", "isBadUV", "forceUV", "badRpIdHash", "mismatchedPublicKey", "truncatedAuthData"]);
  expect(device.key.faults).toBe(NO_FAULTS);
});

describe("isBogusSignature", () => {
  it("an assertion's signature fails verification", async () => {
    const { verification } = await signInWith("isBogusSignature");
    await expect(verification).resolves.toMatchObject({ verified: false });
  });
  it("a packed self attestation's signature fails verification", async () => {
    const { verification } = await registerWith("isBogusSignature");
    await expect(verification).resolves.toMatchObject({ verified: false });
  });
});

describe("isBadUP", () => {
  it("the RP refuses an assertion without user presence", async () => {
    const { verification } = await signInWith("isBadUP");
    await expect(verification).rejects.toThrow("User not present during authentication");
  });
  it("the RP refuses a registration without user presence", async () => {
    const { verification } = await registerWith("isBadUP");
    await expect(verification).rejects.toThrow("User presence was required, but user was not present");
  });
});

describe("isBadUV", () => {
  it("the RP that requires UV refuses an assertion whose UV flag is clear", async () => {
    const { response, verification } = await signInWith("isBadUV", { userVerification: "required", requireUserVerification: true });
    expect(Buffer.from(response.response.authenticatorData, "base64url")[32]! & 0x04).toBe(0);
    await expect(verification).rejects.toThrow("User verification required, but user could not be verified");
  });
  it("and a registration", async () => {
    const { verification } = await registerWith("isBadUV", { userVerification: "required", requireUserVerification: true });
    await expect(verification).rejects.toThrow("User verification was required, but user could not be verified");
  });
});

describe("forceUV", () => {
  it("sets UV though nobody was verified: the RP is fooled (which is what the switch lets a test show)", async () => {
    // A key without built-in UV and no PIN cannot verify anyone: the RP's requirement fails honestly...
    await device.reopen({ uv: "off" });
    const honest = await signIn(device.key, credential, { userVerification: "discouraged", requireUserVerification: true });
    await expect(honest.verification).rejects.toThrow("User verification required, but user could not be verified");
    // ...and a lying one passes it.
    await device.reopen({ uv: "off", faults: { forceUV: true } });
    const lying = await signIn(device.key, { ...credential, counter: 0 }, { userVerification: "discouraged", requireUserVerification: true });
    await expect(lying.verification).resolves.toMatchObject({ verified: true, authenticationInfo: { userVerified: true } });
  });
});

describe("badRpIdHash", () => {
  it("the RP refuses an assertion for another RP ID hash", async () => {
    const { verification } = await signInWith("badRpIdHash");
    await expect(verification).rejects.toThrow("Unexpected RP ID hash");
  });
  it("and a registration", async () => {
    const { verification } = await registerWith("badRpIdHash");
    await expect(verification).rejects.toThrow("Unexpected RP ID hash");
  });
});

describe("mismatchedPublicKey", () => {
  it("packed self attestation does not verify with the registered key", async () => {
    const { verification } = await registerWith("mismatchedPublicKey");
    await expect(verification).resolves.toMatchObject({ verified: false });
  });
  it("with attestation none the registration passes, and every assertion then fails", async () => {
    const { response, verification } = await registerWith("mismatchedPublicKey", { attestationType: "none" });
    // Conveyance "none" strips the statement, so nothing at registration can tell.
    const result = await verification;
    expect(result.verified).toBe(true);
    const wrong = { ...result.registrationInfo!.credential };
    expect(wrong.id).toBe(response.id);
    const { verification: assertion } = await signIn(device.key, wrong);
    await expect(assertion).resolves.toMatchObject({ verified: false });
  });
});

describe("truncatedAuthData", () => {
  it("the RP refuses authenticator data one byte short", async () => {
    const { response, verification } = await signInWith("truncatedAuthData");
    expect(Buffer.from(response.response.authenticatorData, "base64url")).toHaveLength(36);
    await expect(verification).rejects.toThrow("Authenticator data was 36 bytes, expected at least 37 bytes");
  });
});

it("faults apply to getNextAssertion too (a discoverable sign-in with several accounts)", async () => {
  await registered(device.key, { userName: "one", residentKey: "required", userVerification: "required" });
  await registered(device.key, { userName: "two", residentKey: "required", userVerification: "required" });
  await device.reopen({ faults: { badRpIdHash: true } });
  const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: "required" });
  // The second account comes from authenticatorGetNextAssertion.
  const response = await device.key.get(options, { origin: ORIGIN, selectCredential: () => 1 });
  const rpIdHash = Buffer.from(response.response.authenticatorData, "base64url").subarray(0, 32);
  expect(rpIdHash.equals(createHash("sha256").update(RP_ID).digest())).toBe(false);
});
