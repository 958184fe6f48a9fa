/**
 * Deterministic mode: with the same seed and the same inputs, two fresh stores
 * give byte-identical registration and assertion responses; another seed
 * gives others. (Across processes through the CLI: test/cli/emulation.test.ts.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { ORIGIN, RP_ID, TestDevice } from "../helpers/relyingParty.js";

const devices: TestDevice[] = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.dispose()));
});

async function seeded(seed: string | undefined, profile?: string): Promise<TestDevice> {
  const device = await TestDevice.create(profile ? { profile } : {}, seed === undefined ? {} : { seed });
  devices.push(device);
  return device;
}

const b64 = (text: string) => Buffer.from(text).toString("base64url");

function creationOptions(alg: number, userName = "alice", extensions: Record<string, unknown> = {}) {
  return {
    rp: { id: RP_ID, name: "Example" },
    user: { id: b64(`user-${userName}`), name: userName, displayName: userName },
    challenge: b64("a fixed registration challenge"),
    pubKeyCredParams: [{ type: "public-key" as const, alg }],
    authenticatorSelection: { residentKey: "required" as const, userVerification: "required" as const },
    attestation: "direct" as const,
    extensions,
  };
}

function requestOptions(id?: string, extensions: Record<string, unknown> = {}) {
  return {
    challenge: b64("a fixed authentication challenge"),
    rpId: RP_ID,
    allowCredentials: id ? [{ type: "public-key" as const, id }] : [],
    userVerification: "required" as const,
    extensions,
  };
}

/** One registration and two sign-ins, the same calls for every store. */
async function ceremonies(device: TestDevice, alg: number) {
  const registration = await device.key.create(creationOptions(alg), { origin: ORIGIN });
  const first = await device.key.get(requestOptions(registration.id), { origin: ORIGIN });
  const second = await device.key.get(requestOptions(), { origin: ORIGIN });
  return { registration, first, second };
}

describe.each([
  ["ES256", -7],
  ["EdDSA", -8],
])("%s", (_name, alg) => {
  it("the same seed and inputs give byte-identical responses in two fresh stores", async () => {
    const a = await ceremonies(await seeded("fixture seed"), alg);
    const b = await ceremonies(await seeded("fixture seed"), alg);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.registration.response.attestationObject).toBe(b.registration.response.attestationObject);
    expect(a.first.response.signature).toBe(b.first.response.signature);

    // And they are real: the RP verifies them.
    const reg = await verifyRegistrationResponse({
      response: a.registration,
      expectedChallenge: b64("a fixed registration challenge"),
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      supportedAlgorithmIDs: [alg],
    });
    expect(reg).toMatchObject({ verified: true, registrationInfo: { fmt: "packed" } });
    const auth = await verifyAuthenticationResponse({
      response: a.first,
      expectedChallenge: b64("a fixed authentication challenge"),
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: reg.registrationInfo!.credential,
    });
    expect(auth.verified).toBe(true);
  });

  it("another seed gives other credential IDs, keys and signatures", async () => {
    const a = await ceremonies(await seeded("fixture seed"), alg);
    const b = await ceremonies(await seeded("another seed"), alg);
    expect(b.registration.id).not.toBe(a.registration.id);
    expect(b.registration.response.publicKey).not.toBe(a.registration.response.publicKey);
    expect(b.first.response.signature).not.toBe(a.first.response.signature);
  });
});

it("without a seed, nothing repeats", async () => {
  const a = await ceremonies(await seeded(undefined), -7);
  const b = await ceremonies(await seeded(undefined), -7);
  expect(b.registration.id).not.toBe(a.registration.id);
  expect(b.first.response.signature).not.toBe(a.first.response.signature);
});

it("a second registration of the same user in one store gets a new credential (creations are numbered), and the sequence repeats", async () => {
  const run = async () => {
    const device = await seeded("fixture seed");
    const one = await device.key.create({ ...creationOptions(-7), authenticatorSelection: { residentKey: "discouraged" } }, { origin: ORIGIN });
    // Closing and opening again (a new process, as the CLI does) does not restart the numbering.
    await device.reopen({ seed: "fixture seed" });
    const two = await device.key.create({ ...creationOptions(-7), authenticatorSelection: { residentKey: "discouraged" } }, { origin: ORIGIN });
    return [one.id, two.id];
  };
  const first = await run();
  expect(first[1]).not.toBe(first[0]);
  expect(await run()).toEqual(first);
});

it("extension secrets come from the seed too: prf results repeat", async () => {
  const run = async () => {
    const device = await seeded("fixture seed");
    const registration = await device.key.create(creationOptions(-7, "alice", { prf: {} }), { origin: ORIGIN });
    const assertion = await device.key.get(requestOptions(registration.id, { prf: { eval: { first: b64("salt") } } }), { origin: ORIGIN });
    return assertion.clientExtensionResults;
  };
  const a = await run();
  expect(a).toHaveProperty("prf.results.first");
  expect(await run()).toEqual(a);
});

it("platform-passkey (attestation none, counter zero, backup flags) is deterministic too", async () => {
  const a = await ceremonies(await seeded("fixture seed", "platform-passkey"), -7);
  const b = await ceremonies(await seeded("fixture seed", "platform-passkey"), -7);
  expect(JSON.stringify(b)).toBe(JSON.stringify(a));
});
