/**
 * The population against a real relying party (@simplewebauthn/server): what it
 * makes verifies, on any generator with the same seed, and what a real key would
 * refuse it refuses.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import { parseAuthenticatorData } from "../../src/ctap/authenticatorData.js";
import { Population, PopulationError, PopulationSeedError, CLOCK_EPOCH_MS, type PopulationOptions } from "../../src/population/index.js";

const SEED = "population test seed, 32 bytes!";
const ORIGIN = "http://localhost:3000";
const RP_ID = "localhost";

/** One population per option set: deriving the secrets costs an scrypt. */
const populations = new Map<string, Population>();
function population(options: Partial<PopulationOptions> = {}): Population {
  const key = JSON.stringify(options);
  let found = populations.get(key);
  if (!found) populations.set(key, (found = new Population({ seed: SEED, size: 1000, ...options })));
  return found;
}

async function register(p: Population, user: number, o: { residentKey?: "required" | "discouraged"; attestationType?: "none" | "direct"; algs?: number[]; userID?: Uint8Array; userVerification?: "preferred" | "discouraged" } = {}) {
  const options = await generateRegistrationOptions({
    rpName: "Load test",
    rpID: RP_ID,
    userName: `user${user}`,
    ...(o.userID ? { userID: o.userID as Uint8Array<ArrayBuffer> } : {}),
    attestationType: o.attestationType ?? "none",
    supportedAlgorithmIDs: o.algs ?? [-7, -8],
    authenticatorSelection: { residentKey: o.residentKey ?? "required", userVerification: o.userVerification ?? "preferred" },
  });
  const response = p.create(options, { origin: ORIGIN, user });
  const verification = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, supportedAlgorithmIDs: o.algs ?? [-7, -8], requireUserVerification: o.userVerification !== "discouraged" });
  expect(verification.verified).toBe(true);
  return { options, response, verification, credential: verification.registrationInfo!.credential };
}

async function signIn(p: Population, credential: WebAuthnCredential, call: { user?: number; userHandle?: string }, allow = true) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: "preferred", ...(allow ? { allowCredentials: [{ id: credential.id }] } : {}) });
  const response = p.get(options, { origin: ORIGIN, ...call });
  const verification = await verifyAuthenticationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential });
  expect(verification.verified).toBe(true);
  return { response, verification };
}

describe("registration and sign-in verified by @simplewebauthn/server", () => {
  for (const algorithm of ["ES256", "EdDSA"] as const) {
    it(`${algorithm}: discoverable and not, with allowCredentials and without`, async () => {
      const p = population({ algorithm });
      const rk = await register(p, 7, { residentKey: "required" });
      expect(rk.verification.registrationInfo!.credential.publicKey.length).toBeGreaterThan(0);
      expect(rk.response.response.publicKeyAlgorithm).toBe(algorithm === "ES256" ? -7 : -8);
      expect(rk.response.clientExtensionResults.credProps).toEqual({ rk: true });
      await signIn(p, rk.credential, {});
      // Discoverable: nobody names the credential; the generator knows user 7's, under the RP's user handle.
      const { response } = await signIn(p, rk.credential, { user: 7, userHandle: rk.options.user.id }, false);
      expect(response.id).toBe(rk.credential.id);
      expect(response.response.userHandle).toBe(rk.options.user.id);

      const plain = await register(p, 7, { residentKey: "discouraged" });
      expect(plain.credential.id).not.toBe(rk.credential.id);
      expect(plain.response.clientExtensionResults.credProps).toEqual({ rk: false });
      const signed = await signIn(p, plain.credential, { user: 7 });
      expect(signed.response.response.userHandle).toBeUndefined();
    });
  }

  it("packed self attestation when the RP asks for direct; none otherwise", async () => {
    const p = population({ attestation: "self" });
    const direct = await register(p, 1, { attestationType: "direct" });
    expect(direct.verification.registrationInfo!.fmt).toBe("packed");
    // Self attestation with a zero AAGUID identifies nothing, so a client keeps it even for "none" (WebAuthn L3 5.1.3).
    expect((await register(p, 2, { attestationType: "none" })).verification.registrationInfo!.fmt).toBe("packed");
    const withAaguid = population({ attestation: "self", aaguid: "6d44ba9b-f6ec-4e6e-9b3a-6b2a4f6fd3a1" });
    expect((await register(withAaguid, 3, { attestationType: "none" })).verification.registrationInfo!.fmt).toBe("none");
    expect((await register(population(), 4, { attestationType: "direct" })).verification.registrationInfo!.fmt).toBe("none");
  });

  it("flags: UV unless discouraged, BE and BS as configured", async () => {
    const synced = population({ backupEligible: true, backupState: true });
    const { credential, verification } = await register(synced, 5, { userVerification: "preferred" });
    expect(verification.registrationInfo!.credentialBackedUp).toBe(true);
    expect(verification.registrationInfo!.credentialDeviceType).toBe("multiDevice");
    const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: "discouraged", allowCredentials: [{ id: credential.id }] });
    const response = synced.get(options, { origin: ORIGIN });
    const flags = parseAuthenticatorData(Buffer.from(response.response.authenticatorData, "base64url")).flags;
    expect(flags).toMatchObject({ userPresent: true, userVerified: false, backupEligible: true, backupState: true });
    expect(() => new Population({ seed: SEED, size: 1, backupState: true })).toThrow(PopulationError);
  });
});

describe("stateless: generators share nothing but the seed", () => {
  it("a credential registered on one generator signs in on another; the export matches a registration", async () => {
    const a = new Population({ seed: SEED, size: 1000 });
    const b = new Population({ seed: SEED, size: 1000, keyCacheSize: 0 });
    const { credential } = await register(a, 42, { residentKey: "discouraged" });
    await signIn(b, credential, {});
    // The export's credential for user 42 is the one a registration with the population's user handle makes.
    const [record] = [...b.publicCredentials(RP_ID, { first: 42, count: 1 })];
    const viaRp = await register(a, 42, { residentKey: "required", userID: Buffer.from(record!.userHandle, "base64url") });
    expect(viaRp.credential.id).toBe(record!.credentialId);
    expect(Buffer.from(viaRp.credential.publicKey).toString("base64url")).toBe(record!.publicKey);
    // ... and signs in, discoverably, from the exported public key alone.
    const seeded: WebAuthnCredential = { id: record!.credentialId, publicKey: Buffer.from(record!.publicKey, "base64url"), counter: record!.counter };
    const { response } = await signIn(b, seeded, { user: 42 }, false);
    expect(response.response.userHandle).toBe(record!.userHandle);
  });

  it("the export streams records in order, for a range", () => {
    const records = [...population().publicCredentials(RP_ID, { first: 10, count: 5, discoverable: false })];
    expect(records.map((r) => r.user)).toEqual([10, 11, 12, 13, 14]);
    expect(new Set(records.map((r) => r.credentialId)).size).toBe(5);
    expect(records[0]).toMatchObject({ userName: "user10", userDisplayName: "User 10", algorithm: -7, counter: 0, discoverable: false, transports: ["usb"] });
    expect(() => population().publicCredentials(RP_ID, { first: 998, count: 5 }).next()).toThrow(/count must be from 1 to 2/);
  });
});

describe("counters", () => {
  it("zero: 0 at registration and every sign-in, which an RP that checks counters accepts", async () => {
    const p = population();
    const { credential } = await register(p, 9);
    for (let i = 0; i < 3; i++) {
      const { verification } = await signIn(p, credential, {});
      expect(verification.authenticationInfo.newCounter).toBe(0);
    }
  });

  it("clock: tenths of a second since 2024, increasing across generators; the same tick is flagged by the RP", async () => {
    let now = CLOCK_EPOCH_MS + 1_000_000;
    const a = new Population({ seed: SEED, size: 10, counter: "clock", now: () => now });
    const b = new Population({ seed: SEED, size: 10, counter: "clock", now: () => now });
    const { credential } = await register(a, 3);
    expect(credential.counter).toBe(10_000);
    now += 100;
    const first = await signIn(b, credential, {});
    expect(first.verification.authenticationInfo.newCounter).toBe(10_001);
    credential.counter = first.verification.authenticationInfo.newCounter;
    // Same tick on another generator: the counter did not increase, and the RP says so.
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
    const again = a.get(options, { origin: ORIGIN });
    await expect(verifyAuthenticationResponse({ response: again, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential })).rejects.toThrow(/counter/i);
  });
});

describe("what a real key refuses, the population refuses", () => {
  it("allowCredentials it does not hold: altered, another seed, another RP ID, another user", async () => {
    const p = population();
    const { credential } = await register(p, 11, { residentKey: "discouraged" });
    const id = Buffer.from(credential.id, "base64url");
    const options = (ids: string[], rpID = RP_ID) => generateAuthenticationOptions({ rpID, allowCredentials: ids.map((i) => ({ id: i })) });
    // Every single-bit change anywhere in the ID: format byte, IV (the tag), encrypted source.
    for (let byte = 0; byte < id.length; byte++) {
      const altered = Buffer.from(id);
      altered[byte]! ^= 1 << byte % 8;
      const request = await options([altered.toString("base64url")]);
      expect(() => p.get(request, { origin: ORIGIN }), `byte ${byte}`).toThrow(expect.objectContaining({ name: "NotAllowedError", ctapStatus: 0x2e }));
    }
    // Truncated and extended IDs, and an ID the RP made up.
    for (const forged of [id.subarray(0, id.length - 1), Buffer.concat([id, Buffer.of(0)]), Buffer.alloc(id.length, 0x01)]) {
      const request = await options([forged.toString("base64url")]);
      expect(() => p.get(request, { origin: ORIGIN })).toThrow(expect.objectContaining({ name: "NotAllowedError" }));
    }
    // The genuine ID still signs.
    await signIn(p, credential, {});
    const other = new Population({ seed: "another seed entirely, 32 bytes", size: 1000 });
    await expect(options([credential.id]).then((o) => other.get(o, { origin: ORIGIN }))).rejects.toMatchObject({ name: "NotAllowedError", ctapStatus: 0x2e });
    // Moved to another RP ID (an origin that may claim it): the ID's MAC binds the RP ID.
    await expect(options([credential.id], "app.localhost").then((o) => p.get(o, { origin: "http://app.localhost:3000" }))).rejects.toMatchObject({ name: "NotAllowedError" });
    await expect(options([credential.id]).then((o) => p.get(o, { origin: ORIGIN, user: 12 }))).rejects.toMatchObject({ name: "NotAllowedError" });
    // A smaller population does not have user 11.
    await expect(options([credential.id]).then((o) => new Population({ seed: SEED, size: 11 }).get(o, { origin: ORIGIN }))).rejects.toMatchObject({ name: "NotAllowedError" });
  });

  it("excludeCredentials it holds: InvalidStateError; another user's: registers", async () => {
    const p = population();
    const first = await register(p, 20);
    const options = await generateRegistrationOptions({ rpName: "x", rpID: RP_ID, userName: "user20", userID: Buffer.from(first.options.user.id, "base64url") as Uint8Array<ArrayBuffer>, excludeCredentials: [{ id: first.credential.id }] });
    expect(() => p.create(options, { origin: ORIGIN, user: 20 })).toThrow(expect.objectContaining({ name: "InvalidStateError" }));
    expect(p.create(options, { origin: ORIGIN, user: 21 }).id).not.toBe(first.credential.id);
  });

  it("origins, RP IDs, algorithms and attachment as a browser checks them", async () => {
    const p = population();
    const options = await generateRegistrationOptions({ rpName: "x", rpID: "example.com", userName: "u" });
    expect(() => p.create(options, { origin: ORIGIN, user: 1 })).toThrow(expect.objectContaining({ name: "SecurityError" }));
    expect(() => p.create(options, { origin: "http://example.com", user: 1 })).toThrow(expect.objectContaining({ name: "SecurityError" }));
    const rsaOnly = await generateRegistrationOptions({ rpName: "x", rpID: RP_ID, userName: "u", supportedAlgorithmIDs: [-257] });
    expect(() => p.create(rsaOnly, { origin: ORIGIN, user: 1 })).toThrow(expect.objectContaining({ name: "NotSupportedError" }));
    const platform = await generateRegistrationOptions({ rpName: "x", rpID: RP_ID, userName: "u", authenticatorSelection: { authenticatorAttachment: "platform" } });
    expect(() => p.create(platform, { origin: ORIGIN, user: 1 })).toThrow(expect.objectContaining({ name: "NotAllowedError" }));
    expect(population({ attachment: "platform" }).create(platform, { origin: ORIGIN, user: 1 }).response.transports).toEqual(["hybrid", "internal"]);
  });

  it("caller mistakes are PopulationErrors; a weak seed is refused without being quoted", async () => {
    const p = population();
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    expect(() => p.get(options, { origin: ORIGIN })).toThrow(PopulationError);
    expect(() => p.get(options, { origin: ORIGIN, user: 1000 })).toThrow(/0 to 999/);
    expect(() => p.get(options, { origin: ORIGIN, user: 1, userHandle: "not base64!" })).toThrow(PopulationError);
    expect(() => new Population({ seed: "short", size: 1 })).toThrow(PopulationSeedError);
    try {
      new Population({ seed: "hunter2", size: 1 });
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
    expect(() => new Population({ seed: SEED, size: 0 })).toThrow(PopulationError);
    expect(() => new Population({ seed: SEED, size: 2 ** 32 + 1 })).toThrow(PopulationError);
  });
});
