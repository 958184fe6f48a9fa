/**
 * Mediation: conditional create (WebAuthn L3 section 5.1.3) and immediate
 * get (Chrome's `mediation: "immediate"`, the draft's `uiMode`), with their
 * rules and errors, and conditional get from the library; hints choosing
 * among several attached authenticators; getClientCapabilities() and
 * isUserVerifyingPlatformAuthenticatorAvailable() derived from the
 * attached profiles. The RP verifies every credential that comes back.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, verifyAuthenticationResponse, verifyRegistrationResponse, type WebAuthnCredential } from "@simplewebauthn/server";
import { PageMessage, WebAuthnClient, type AuthenticationResponseJSON, type RegistrationResponseJSON } from "../../src/client/index.js";
import { defaultProfile, type Profile } from "../../src/profiles/index.js";
import { openSoftkey, origin, register, registrationOptions, rejection, rpID, type TestSoftkey } from "./helpers.js";

let platform: TestSoftkey;
let roaming: TestSoftkey;
beforeEach(async () => {
  platform = await openSoftkey({}, { profile: "platform-passkey" });
  roaming = await openSoftkey();
});
afterEach(async () => {
  await platform.close();
  await roaming.close();
});

/** Credentials the RP registered in this test, by ID. */
const registered = new Map<string, WebAuthnCredential>();

/** The RP (@simplewebauthn/server) verifies a registration and keeps the credential. */
async function rpRegisters(response: RegistrationResponseJSON, challenge: string): Promise<RegistrationResponseJSON> {
  const verification = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false });
  expect(verification.verified).toBe(true);
  registered.set(response.id, verification.registrationInfo!.credential);
  return response;
}

/** The RP verifies an assertion with the credential it registered. */
async function rpAuthenticates(response: AuthenticationResponseJSON, challenge: string): Promise<AuthenticationResponseJSON> {
  const credential = registered.get(response.id);
  expect(credential, "a credential the RP registered").toBeDefined();
  const verification = await verifyAuthenticationResponse({ response, expectedChallenge: challenge, expectedOrigin: origin, expectedRPID: rpID, credential: credential!, requireUserVerification: false });
  expect(verification.verified).toBe(true);
  credential!.counter = verification.authenticationInfo.newCounter;
  return response;
}

/** One client with the security key attached first, then the platform authenticator. */
function bothAttached(): WebAuthnClient {
  return new WebAuthnClient(roaming.key.clientDevice, { ...roaming.key.asAuthenticator(), authenticators: [platform.key.asAuthenticator()] });
}

async function storeOf(credentialId: string): Promise<"platform" | "roaming" | undefined> {
  if ((await platform.key.listCredentials()).credentials.some((c) => c.credentialId === credentialId)) return "platform";
  if ((await roaming.key.listCredentials()).credentials.some((c) => c.credentialId === credentialId)) return "roaming";
  return undefined;
}

describe("conditional create", () => {
  const conditional = { origin, mediation: "conditional" };

  it("needs a sign-in the browser mediated on the same origin for the same user; then makes a passkey without a dialog", async () => {
    const options = await registrationOptions({ userName: "alice", authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" } });
    const refused = await rejection(platform.key.create(options, conditional));
    expect(refused).toMatchObject({ name: "NotAllowedError", pageMessage: PageMessage.notAllowed, message: expect.stringContaining("recordMediatedSignIn") });
    platform.key.client.recordMediatedSignIn({ origin: "https://elsewhere.example.com", userName: "alice" });
    platform.key.client.recordMediatedSignIn({ origin, userName: "bob" });
    expect((await rejection(platform.key.create(options, conditional))).name).toBe("NotAllowedError");
    platform.key.client.recordMediatedSignIn({ origin, userName: "alice" });
    const created = await platform.key.create(options, conditional);
    const verification = await verifyRegistrationResponse({ response: created, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false });
    expect(verification.verified).toBe(true);
    expect(created.clientExtensionResults).toEqual({ credProps: { rk: true } });
    expect(created.authenticatorAttachment).toBe("platform");
  });

  it("a sign-in counts only for a while", async () => {
    const client = new WebAuthnClient(platform.key.clientDevice, { ...platform.key.asAuthenticator(), mediatedSignInWindow: 50 });
    client.recordMediatedSignIn({ origin, at: Date.now() - 1000 });
    expect((await rejection(client.create(await registrationOptions(), conditional))).name).toBe("NotAllowedError");
    client.recordMediatedSignIn({ origin });
    expect((await client.create(await registrationOptions(), conditional)).type).toBe("public-key");
  });

  it("is refused in a cross-origin frame, and by a client with no platform credential provider", async () => {
    platform.key.client.recordMediatedSignIn({ origin });
    const framed = await rejection(platform.key.create(await registrationOptions(), { ...conditional, topOrigin: "https://embedder.example.org" }));
    expect(framed).toMatchObject({ name: "NotAllowedError", message: expect.stringContaining("cross-origin") });
    roaming.key.client.recordMediatedSignIn({ origin });
    const securityKey = await rejection(roaming.key.create(await registrationOptions(), conditional));
    expect(securityKey).toMatchObject({ name: "NotAllowedError", message: expect.stringContaining("platform authenticator") });
  });

  it("a required UV that cannot be collected is a ConstraintError", async () => {
    const noUv: Profile = { ...defaultProfile(), name: "platform-no-uv", attachment: "platform", getInfo: { ...defaultProfile().getInfo, options: { uv: false, plat: true, rk: true } } };
    const key = await openSoftkey({}, { profile: noUv });
    try {
      key.key.client.recordMediatedSignIn({ origin });
      const error = await rejection(key.key.create(await registrationOptions({ authenticatorSelection: { userVerification: "required" } }), conditional));
      expect(error.name).toBe("ConstraintError");
      expect((await key.key.create(await registrationOptions({ authenticatorSelection: { userVerification: "preferred" } }), conditional)).type).toBe("public-key");
    } finally {
      await key.close();
    }
  });
});

describe("immediate mediation", () => {
  it("signs in with a platform passkey at once; with none it fails fast with Chrome's message", async () => {
    const options = await generateAuthenticationOptions({ rpID });
    const none = await rejection(platform.key.get(options, { origin, mediation: "immediate" }));
    expect(none).toMatchObject({ name: "NotAllowedError", pageMessage: PageMessage.immediateNotFound });
    const alice = await register(platform.key.client, { userName: "alice", authenticatorSelection: { residentKey: "required", userVerification: "preferred" } });
    registered.set(alice.credential.id, alice.credential);
    const request = await generateAuthenticationOptions({ rpID });
    const asserted = await rpAuthenticates(await platform.key.get(request, { origin, mediation: "immediate" }), request.challenge);
    expect(asserted.id).toBe(alice.credential.id);
    // The draft's spelling works the same.
    const again = await generateAuthenticationOptions({ rpID });
    expect((await rpAuthenticates(await platform.key.get(again, { origin, uiMode: "immediate" }), again.challenge)).id).toBe(alice.credential.id);
  });

  it("never counts a security key's passkeys, refuses allowCredentials, needs a user activation, and is not conditional", async () => {
    const alice = await register(roaming.key.client, { userName: "alice", authenticatorSelection: { residentKey: "required", userVerification: "preferred" } });
    const request = await generateAuthenticationOptions({ rpID });
    expect(await rejection(roaming.key.get(request, { origin, mediation: "immediate" }))).toMatchObject({ name: "NotAllowedError", pageMessage: PageMessage.immediateNotFound });
    const allow = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: alice.credential.id }] });
    expect(await rejection(platform.key.get(allow, { origin, mediation: "immediate" }))).toMatchObject({ pageMessage: PageMessage.immediateWithAllowCredentials });
    expect(await rejection(platform.key.get(request, { origin, mediation: "immediate", userActivation: false }))).toMatchObject({
      pageMessage: PageMessage.immediateNeedsActivation,
    });
    expect(await rejection(platform.key.get(request, { origin, mediation: "conditional", uiMode: "immediate" }))).toMatchObject({ name: "NotSupportedError" });
  });
});

describe("conditional get from the library", () => {
  it("offers discoverable credentials only, filtered by allowCredentials", async () => {
    const alice = await register(platform.key.client, { userName: "alice", authenticatorSelection: { residentKey: "required", userVerification: "preferred" } });
    const bob = await register(platform.key.client, { userName: "bob", authenticatorSelection: { residentKey: "required", userVerification: "preferred" } });
    const onlyAlice = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: alice.credential.id }] });
    expect((await platform.key.get(onlyAlice, { origin, mediation: "conditional" })).id).toBe(alice.credential.id);
    const nonDiscoverable = await register(platform.key.client, { userName: "carol", authenticatorSelection: { residentKey: "discouraged", userVerification: "preferred" } });
    const onlyCarol = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: nonDiscoverable.credential.id }] });
    expect((await rejection(platform.key.get(onlyCarol, { origin, mediation: "conditional" }))).name).toBe("NotAllowedError");
    expect(bob.credential.id).not.toBe(alice.credential.id);
  });
});

describe("hints, with a security key and a platform authenticator attached", () => {
  it("create: client-device goes to the platform authenticator, security-key and no hint to the security key; authenticatorAttachment still rules", async () => {
    const client = bothAttached();
    const byHint = async (hints: string[], authenticatorSelection?: Record<string, string>) => {
      const options = await registrationOptions(authenticatorSelection ? { authenticatorSelection } : {});
      const created = await rpRegisters(await client.create({ ...options, hints }, { origin }), options.challenge);
      return { store: await storeOf(created.id), attachment: created.authenticatorAttachment };
    };
    expect(await byHint(["client-device"])).toEqual({ store: "platform", attachment: "platform" });
    expect(await byHint(["security-key", "client-device"])).toEqual({ store: "roaming", attachment: "cross-platform" });
    expect(await byHint([])).toEqual({ store: "roaming", attachment: "cross-platform" });
    expect(await byHint(["hybrid", "client-device"])).toEqual({ store: "platform", attachment: "platform" });
    expect(await byHint(["client-device"], { authenticatorAttachment: "cross-platform" })).toEqual({ store: "roaming", attachment: "cross-platform" });
    // Both store passkeys, so with residentKey required the hint still decides.
    expect(await byHint(["security-key"], { residentKey: "required", userVerification: "preferred" })).toEqual({ store: "roaming", attachment: "cross-platform" });
  });

  it("get: the authenticator that holds a credential of allowCredentials answers, whatever the hints; a passkey sign-in follows the hints", async () => {
    const client = bothAttached();
    const passkey = async (hint: string) => {
      const options = await registrationOptions({ authenticatorSelection: { residentKey: "required", userVerification: "preferred" } });
      return rpRegisters(await client.create({ ...options, hints: [hint] }, { origin }), options.challenge);
    };
    const signIn = async (hints: string[], allow: string[] = []) => {
      const options = await generateAuthenticationOptions({ rpID, allowCredentials: allow.map((id) => ({ id })) });
      return rpAuthenticates(await client.get({ ...options, hints }, { origin }), options.challenge);
    };
    const onPlatform = await passkey("client-device");
    const onKey = await passkey("security-key");
    expect(await signIn(["security-key"], [onPlatform.id])).toMatchObject({ id: onPlatform.id, authenticatorAttachment: "platform" });
    expect((await signIn(["client-device"])).id).toBe(onPlatform.id);
    expect((await signIn(["security-key"])).id).toBe(onKey.id);
  });

  it("a phone (a roaming authenticator over hybrid) answers the hybrid hint", async () => {
    const phone = await openSoftkey();
    try {
      const client = new WebAuthnClient(roaming.key.clientDevice, {
        ...roaming.key.asAuthenticator(),
        authenticators: [{ ...phone.key.asAuthenticator(), transports: ["hybrid"] }, platform.key.asAuthenticator()],
      });
      const options = await registrationOptions();
      const created = await rpRegisters(await client.create({ ...options, hints: ["hybrid"] }, { origin }), options.challenge);
      expect(created.response.transports).toEqual(["hybrid"]);
      expect((await phone.key.listCredentials()).credentials.map((c) => c.credentialId)).toEqual([created.id]);
    } finally {
      await phone.close();
    }
  });
});

describe("getClientCapabilities and isUserVerifyingPlatformAuthenticatorAvailable", () => {
  it("a security key alone: no user-verifying platform authenticator, no conditional create; every client extension; sorted keys", async () => {
    const capabilities = await roaming.key.client.getClientCapabilities();
    expect(Object.keys(capabilities)).toEqual([...Object.keys(capabilities)].sort());
    expect(capabilities).toMatchObject({
      conditionalCreate: false,
      conditionalGet: true,
      hybridTransport: false,
      passkeyPlatformAuthenticator: false,
      userVerifyingPlatformAuthenticator: false,
      relatedOrigins: true,
      signalAllAcceptedCredentials: true,
      signalCurrentUserDetails: true,
      signalUnknownCredential: true,
      "extension:appid": true,
      "extension:appidExclude": true,
      "extension:credBlob": true,
      "extension:credProps": true,
      "extension:credentialProtectionPolicy": true,
      "extension:enforceCredentialProtectionPolicy": true,
      "extension:getCredBlob": true,
      "extension:hmacCreateSecret": true,
      "extension:largeBlob": true,
      "extension:minPinLength": true,
      "extension:payment": true,
      "extension:prf": true,
    });
    expect(await roaming.key.client.isUserVerifyingPlatformAuthenticatorAvailable()).toBe(false);
  });

  it("a platform profile with UV: a user-verifying platform authenticator, passkeys, hybrid, conditional create", async () => {
    expect(await platform.key.client.getClientCapabilities()).toMatchObject({
      conditionalCreate: true,
      hybridTransport: true,
      passkeyPlatformAuthenticator: true,
      userVerifyingPlatformAuthenticator: true,
    });
    expect(await platform.key.client.isUserVerifyingPlatformAuthenticatorAvailable()).toBe(true);
    expect(await bothAttached().isUserVerifyingPlatformAuthenticatorAvailable()).toBe(true);
  });

  it("a test may set any entry, and a client without related origins says so", async () => {
    const client = new WebAuthnClient(roaming.key.clientDevice, {
      ...roaming.key.asAuthenticator(),
      relatedOrigins: false,
      capabilities: { hybridTransport: true, userVerifyingPlatformAuthenticator: true },
    });
    expect(await client.getClientCapabilities()).toMatchObject({ relatedOrigins: false, hybridTransport: true, userVerifyingPlatformAuthenticator: true });
    expect(await client.isUserVerifyingPlatformAuthenticatorAvailable()).toBe(true);
    const bare = new WebAuthnClient(roaming.key.clientDevice);
    expect(await bare.getClientCapabilities()).toMatchObject({ conditionalGet: false, signalUnknownCredential: false });
  });
});
