/**
 * The client extensions WebAuthn Level 3 clients offer beside prf, largeBlob,
 * credProps, appid and credProtect (which have their own files): credBlob and
 * getCredBlob, minPinLength, appidExclude, payment, and prf evaluated at
 * creation through hmac-secret-mc. Against the core (the default profile
 * claims CTAP 2.2 with hmac-secret-mc and thirdPartyPayment); the scripted
 * authenticator (test/client/fakeAuthenticator.ts) stands in only for keys
 * the core cannot be, such as one without hmac-secret-mc for the fallback.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { createU2fHandler } from "../../src/authenticator/u2f/u2fHandler.js";
import { parseAuthenticatorData } from "../../src/ctap/authenticatorData.js";
import { decodeCbor, encodeCanonical, type CborMap } from "../../src/ctap/cbor.js";
import { WebAuthnClient } from "../../src/client/index.js";
import { builtInProfile, defaultProfile, type Profile } from "../../src/profiles/index.js";
import { extendedApdu, parseRegistration, registerData, send, sha256 } from "../authenticator/u2f/helpers.js";
import { FakeAuthenticator } from "../client/fakeAuthenticator.js";
import {
  authenticate,
  openSoftkey,
  origin,
  RecordingTransport,
  register,
  registrationOptions,
  rejection,
  rpID,
  type TestSoftkey,
} from "./helpers.js";

let t: TestSoftkey;
afterEach(async () => {
  await t?.close();
});

function authData(response: { response: { authenticatorData: string } }) {
  return parseAuthenticatorData(Buffer.from(response.response.authenticatorData, "base64url"));
}

describe("credBlob and getCredBlob (CTAP 2.2 section 12.2)", () => {
  beforeEach(async () => {
    t = await openSoftkey();
  });

  it("stores a blob at registration and reads it back at authentication, signed into the authenticator data", async () => {
    const blob = Buffer.from("favourite colour: teal").toString("base64url");
    const registered = await register(t.key.client, { authenticatorSelection: { residentKey: "required", userVerification: "preferred" }, extensions: { credBlob: blob } });
    // (generateRegistrationOptions asks for credProps too.)
    expect(registered.response.clientExtensionResults).toEqual({ credProps: { rk: true }, credBlob: true });
    const { assertion } = await authenticate(t.key.client, [registered], { allow: [registered], extensions: { getCredBlob: true } });
    expect(assertion.clientExtensionResults).toEqual({ getCredBlob: blob });
    expect(Buffer.from(authData(assertion).extensions!.get("credBlob") as Uint8Array).toString("base64url")).toBe(blob);
    // Without getCredBlob nothing is asked for.
    const plain = await authenticate(t.key.client, [registered], { allow: [registered] });
    expect(plain.assertion.clientExtensionResults).toEqual({});
  });

  it("sends no blob longer than the key's maxCredBlobLength, as Chrome does, and reports credBlob false", async () => {
    const recording = new RecordingTransport(t.key.authenticator);
    const client = new WebAuthnClient(recording);
    const tooLong = Buffer.alloc(33, 7).toString("base64url");
    const registered = await register(client, { extensions: { credBlob: tooLong } });
    expect(registered.response.clientExtensionResults).toEqual({ credProps: { rk: false }, credBlob: false });
    const sent = recording.paramsOf(0x01)[0]!.get(6) as CborMap | undefined;
    expect(sent?.has("credBlob") ?? false).toBe(false);
    // A getCredBlob for a credential without a blob answers an empty one.
    const { assertion } = await authenticate(client, [registered], { allow: [registered], extensions: { getCredBlob: true } });
    expect(assertion.clientExtensionResults).toEqual({ getCredBlob: "" });
  });

  it("refuses inputs of the wrong type as WebIDL would", async () => {
    const options = await registrationOptions();
    expect((await rejection(t.key.create({ ...options, extensions: { credBlob: 42 as never } }, { origin }))).name).toBe("TypeError");
    expect((await rejection(t.key.create({ ...options, extensions: { credBlob: "not base64url!" } }, { origin }))).name).toBe("EncodingError");
    const request = await generateAuthenticationOptions({ rpID });
    expect((await rejection(t.key.get({ ...request, extensions: { getCredBlob: "yes" as never } }, { origin }))).name).toBe("TypeError");
  });
});

describe("minPinLength (CTAP 2.2 section 12.4)", () => {
  it("the key tells an RP its owner listed the minimum PIN length, in the authenticator data; an RP not listed learns nothing", async () => {
    const profile: Profile = { ...defaultProfile(), name: "no-uv", getInfo: { ...defaultProfile().getInfo, options: { uv: false, plat: false, rk: true } } };
    t = await openSoftkey({}, { profile });
    const recording = new RecordingTransport(t.key.authenticator);
    const client = new WebAuthnClient(recording);
    const before = await register(client, { extensions: { minPinLength: true } });
    expect((recording.paramsOf(0x01)[0]!.get(6) as CborMap).get("minPinLength")).toBe(true);
    expect(authData(before.response).extensions?.has("minPinLength") ?? false).toBe(false);
    expect(before.response.clientExtensionResults).toEqual({ credProps: { rk: false } });
    // authenticatorConfig setMinPINLength (no PIN, no UV on this key: no token needed) lists the RP.
    const config = encodeCanonical(new Map<number, unknown>([[1, 0x03], [2, new Map<number, unknown>([[1, 6], [2, [rpID]]])]]));
    expect((await t.key.authenticator.transact(Uint8Array.from([0x0d, ...config])))[0]).toBe(0);
    const after = await register(client, { extensions: { minPinLength: true } });
    expect(authData(after.response).extensions?.get("minPinLength")).toBe(6);
  });
});

describe("appidExclude (WebAuthn L3 section 10.1.2)", () => {
  const APP_ID = "https://example.com/app-id.json";

  beforeEach(async () => {
    t = await openSoftkey();
  });

  async function u2fCredential(): Promise<string> {
    const u2f = createU2fHandler(t.key.authenticator);
    const response = await send(u2f, extendedApdu(0x01, 0x03, registerData(sha256("u2f client data"), sha256(APP_ID))));
    u2f.close();
    return parseRegistration(response.data).keyHandle.toString("base64url");
  }

  it("refuses a key that holds an excluded U2F credential under the AppID: InvalidStateError", async () => {
    const id = await u2fCredential();
    const options = await registrationOptions({ excludeCredentials: [{ id }] });
    // Without appidExclude the U2F credential is not found under the RP ID: registration goes ahead.
    const unaware = await t.key.create(options, { origin });
    expect(unaware.clientExtensionResults).toEqual({ credProps: { rk: false } });
    const error = await rejection(t.key.create({ ...(await registrationOptions({ excludeCredentials: [{ id }] })), extensions: { appidExclude: APP_ID } }, { origin }));
    expect(error.name).toBe("InvalidStateError");
    expect(error.pageMessage).toMatch(/^The user attempted to register an authenticator that contains one of the credentials already registered/);
  });

  it("reports appidExclude: true when it has nothing to exclude, and the RP verifies the registration", async () => {
    const registered = await register(t.key.client, { extensions: { appidExclude: APP_ID } });
    expect(registered.response.clientExtensionResults).toEqual({ appidExclude: true, credProps: { rk: false } });
  });

  it("checks the AppID as the appid extension does: SyntaxError for no URL, SecurityError for another site", async () => {
    const options = await registrationOptions();
    expect((await rejection(t.key.create({ ...options, extensions: { appidExclude: "no url" } }, { origin }))).name).toBe("SyntaxError");
    expect((await rejection(t.key.create({ ...options, extensions: { appidExclude: "https://example.org/id" } }, { origin }))).name).toBe("SecurityError");
  });
});

describe("payment (Secure Payment Confirmation, without a payment UI)", () => {
  const payment = { isPayment: true };
  const selection = { authenticatorAttachment: "platform", residentKey: "required", userVerification: "required" } as const;

  it("marks the credential a payment credential on a key with thirdPartyPayment (the core, CTAP 2.2)", async () => {
    const platform2_2: Profile = { ...builtInProfile("platform-passkey")!, name: "platform-ctap22" };
    platform2_2.getInfo = { ...platform2_2.getInfo!, versions: ["FIDO_2_0", "FIDO_2_1", "FIDO_2_2"] };
    t = await openSoftkey({}, { profile: platform2_2 });
    const recording = new RecordingTransport(t.key.authenticator);
    const client = new WebAuthnClient(recording, { attachment: "platform" });
    const options = await registrationOptions({ authenticatorSelection: selection });
    const response = await client.create({ ...options, extensions: { payment } }, { origin });
    const sent = recording.requests.find((r) => r.command === 0x01)!.params!.get(6) as CborMap;
    expect(sent.get("thirdPartyPayment")).toBe(true);
    const verification = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID });
    expect(verification.verified).toBe(true);
    // The key keeps the mark and reports it to a getAssertion that asks (CTAP 2.2 section 12.9).
    const ask = await t.key.authenticator.transact(
      Uint8Array.from([0x02, ...encodeCanonical(new Map<number, unknown>([[1, rpID], [2, sha256(Buffer.from("payment"))], [3, [new Map<string, unknown>([["type", "public-key"], ["id", Buffer.from(response.id, "base64url")]])]], [4, new Map([["thirdPartyPayment", true]])]]))]),
    );
    expect(ask[0]).toBe(0);
    const asserted = (decodeCbor(ask.subarray(1)) as Map<number, unknown>).get(2) as Uint8Array;
    expect(parseAuthenticatorData(asserted).extensions?.get("thirdPartyPayment")).toBe(true);
    // A key without it (a CTAP 2.1 profile) is not asked.
    await t.close();
    t = await openSoftkey({}, { profile: "platform-passkey" });
    const plain = new RecordingTransport(t.key.authenticator);
    await new WebAuthnClient(plain, { attachment: "platform" }).create({ ...(await registrationOptions({ authenticatorSelection: selection })), extensions: { payment } }, { origin });
    const plainExtensions = plain.requests.find((r) => r.command === 0x01)!.params!.get(6) as CborMap | undefined;
    expect(plainExtensions?.has("thirdPartyPayment") ?? false).toBe(false);
  });

  it("follows Chrome's registration rules, and refuses payment at get() (payments go through the Payment Request API)", async () => {
    t = await openSoftkey({}, { profile: "platform-passkey" });
    const create = async (authenticatorSelection: Record<string, string>) =>
      rejection(t.key.create({ ...(await registrationOptions({ authenticatorSelection })), extensions: { payment } }, { origin }));
    expect(await create({ ...selection, userVerification: "preferred" })).toMatchObject({ name: "NotSupportedError", message: "User verification is required for 'payment' extension." });
    expect(await create({ ...selection, residentKey: "discouraged" })).toMatchObject({ name: "NotSupportedError" });
    expect(await create({ ...selection, authenticatorAttachment: "cross-platform" })).toMatchObject({ name: "NotSupportedError", message: "A platform authenticator is required for 'payment' extension." });
    const made = await t.key.create({ ...(await registrationOptions({ authenticatorSelection: selection })), extensions: { payment } }, { origin });
    expect(made.authenticatorAttachment).toBe("platform");
    const get = await rejection(t.key.get({ ...(await generateAuthenticationOptions({ rpID })), extensions: { payment } }, { origin }));
    expect(get).toMatchObject({ name: "NotAllowedError", pageMessage: "The 'payment' extension is only valid when creating a credential" });
  });
});

describe("prf at creation through hmac-secret-mc (CTAP 2.2 section 12.7, the core)", () => {
  const first = Buffer.from("first salt input").toString("base64url");
  const second = Buffer.from("second salt input").toString("base64url");

  it("answers prf results at create() that equal those of a later get() with the same inputs", async () => {
    t = await openSoftkey();
    const key = new RecordingTransport(t.key.authenticator);
    const client = new WebAuthnClient(key);
    const options = await registrationOptions();
    const created = await client.create({ ...options, extensions: { prf: { eval: { first, second } } } }, { origin });
    const mc = (key.requests.find((r) => r.command === 0x01)!.params!.get(6) as CborMap).get("hmac-secret-mc") as CborMap;
    expect([...mc.keys()]).toEqual([1, 2, 3, 4]);
    const prf = created.clientExtensionResults.prf as { enabled: boolean; results: { first: string; second: string } };
    expect(prf.enabled).toBe(true);
    expect(Buffer.from(prf.results.first, "base64url")).toHaveLength(32);
    const verification = await verifyRegistrationResponse({ response: created, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false });
    expect(verification.verified).toBe(true);

    const request = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: created.id }], userVerification: "preferred" });
    const asserted = await client.get({ ...request, extensions: { prf: { eval: { first, second } } } }, { origin });
    expect(asserted.clientExtensionResults.prf).toEqual({ results: prf.results });
    const checked = await verifyAuthenticationResponse({
      response: asserted,
      expectedChallenge: request.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: verification.registrationInfo!.credential,
      requireUserVerification: false,
    });
    expect(checked.verified).toBe(true);
  });

  it("without prf inputs, or on a key without hmac-secret-mc, asks only for hmac-secret and reports enabled alone", async () => {
    const key = new FakeAuthenticator({ extensions: ["hmac-secret"] });
    const created = await new WebAuthnClient(key).create({ ...(await registrationOptions()), extensions: { prf: { eval: { first } } } }, { origin });
    expect([...(key.requestsFor(0x01)[0]!.get(6) as CborMap).keys()]).toEqual(["hmac-secret"]);
    expect(created.clientExtensionResults.prf).toEqual({ enabled: true });
    t = await openSoftkey();
    const mcKey = new RecordingTransport(t.key.authenticator);
    await new WebAuthnClient(mcKey).create({ ...(await registrationOptions()), extensions: { prf: {} } }, { origin });
    expect([...(mcKey.requests.find((r) => r.command === 0x01)!.params!.get(6) as CborMap).keys()]).toEqual(["hmac-secret"]);
  });
});
