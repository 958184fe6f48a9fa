/**
 * The FIDO AppID extension (WebAuthn L3 section 10.1.1) end to end: a
 * credential registered over CTAP1/U2F (as the U2F JavaScript API did) signs
 * in through softkey's WebAuthn client with `extensions.appid`, and
 * @simplewebauthn/server verifies it with expectedRPID = [RP ID, AppID].
 */
import { createHash, verify } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, verifyAuthenticationResponse } from "@simplewebauthn/server";
import { createU2fHandler, type U2fHandler } from "../../src/authenticator/u2f/u2fHandler.js";
import { encodeEc2PublicKey } from "../../src/ctap/cose.js";
import { authenticateData, extendedApdu, parseAuthentication, parseRegistration, pointToKey, registerData, send, sha256 } from "../authenticator/u2f/helpers.js";
import { openSoftkey, origin, register, rejection, rpID, type TestSoftkey } from "./helpers.js";

const APP_ID = "https://example.com/app-id.json";

let t: TestSoftkey;
let u2f: U2fHandler;

beforeEach(async () => {
  t = await openSoftkey();
  u2f = createU2fHandler(t.key.authenticator);
});

afterEach(async () => {
  u2f.close();
  await t.close();
});

/** U2F_REGISTER under SHA-256(appId), as a U2F-era RP registered its users. */
async function registerOverU2f(appId = APP_ID) {
  const response = await send(u2f, extendedApdu(0x01, 0x03, registerData(sha256("u2f client data"), sha256(appId))));
  expect(response.sw).toBe(0x9000);
  const registration = parseRegistration(response.data);
  return {
    id: registration.keyHandle.toString("base64url"),
    point: registration.userPublicKey,
    /** The U2F public key as the COSE_Key an RP migrating to WebAuthn stores. */
    cose: new Uint8Array(encodeEc2PublicKey(registration.userPublicKey.subarray(1, 33), registration.userPublicKey.subarray(33, 65))),
  };
}

describe("appid extension", () => {
  it("signs in with a U2F credential under SHA-256(AppID); the RP verifies it with expectedRPID [rpId, appid]", async () => {
    const credential = await registerOverU2f();
    let counter = 0;
    for (let i = 0; i < 2; i++) {
      const options = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: credential.id }], userVerification: "discouraged" });
      const assertion = await t.key.get({ ...options, extensions: { appid: APP_ID } }, { origin });
      expect(assertion.clientExtensionResults).toEqual({ appid: true });
      // clientData keeps the caller's origin; authData names the AppID.
      const clientData = JSON.parse(Buffer.from(assertion.response.clientDataJSON, "base64url").toString("utf8")) as { origin: string };
      expect(clientData.origin).toBe(origin);
      const authData = Buffer.from(assertion.response.authenticatorData, "base64url");
      expect(authData.subarray(0, 32)).toEqual(sha256(APP_ID));
      // Independently of any RP library: the U2F key signed authData || SHA-256(clientDataJSON).
      const signed = Buffer.concat([authData, createHash("sha256").update(Buffer.from(assertion.response.clientDataJSON, "base64url")).digest()]);
      expect(verify("sha256", signed, pointToKey(credential.point), Buffer.from(assertion.response.signature, "base64url"))).toBe(true);

      const verification = await verifyAuthenticationResponse({
        response: assertion,
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: [rpID, APP_ID],
        credential: { id: credential.id, publicKey: credential.cose, counter },
        requireUserVerification: false,
      });
      expect(verification.verified).toBe(true);
      expect(verification.authenticationInfo.rpID).toBe(APP_ID);
      expect(verification.authenticationInfo.newCounter).toBeGreaterThan(counter);
      counter = verification.authenticationInfo.newCounter;
    }
    // The same credential still answers U2F, its counter not going back.
    const u2fAuth = await send(u2f, extendedApdu(0x02, 0x03, authenticateData(sha256("c"), sha256(APP_ID), Buffer.from(credential.id, "base64url"))));
    expect(parseAuthentication(u2fAuth.data).counter).toBeGreaterThan(counter);
  });

  it("uses the RP ID when the credential is known there: appid false", async () => {
    const registered = await register(t.key.client);
    const options = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: registered.credential.id }], userVerification: "discouraged" });
    const assertion = await t.key.get({ ...options, extensions: { appid: APP_ID } }, { origin });
    expect(assertion.clientExtensionResults).toEqual({ appid: false });
    const verification = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: registered.credential,
      requireUserVerification: false,
    });
    expect(verification.verified).toBe(true);
    // Without the extension there is no output, and a U2F credential is not found under the RP ID.
    const u2fCredential = await registerOverU2f();
    const plain = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: u2fCredential.id }], userVerification: "discouraged" });
    expect((await rejection(t.key.get(plain, { origin }))).name).toBe("NotAllowedError");
  });

  it("allowCredentials mixing both kinds: the RP ID's credential wins", async () => {
    const registered = await register(t.key.client);
    const u2fCredential = await registerOverU2f();
    const options = await generateAuthenticationOptions({
      rpID,
      allowCredentials: [{ id: u2fCredential.id }, { id: registered.credential.id }],
      userVerification: "discouraged",
    });
    const assertion = await t.key.get({ ...options, extensions: { appid: APP_ID } }, { origin });
    expect(assertion.clientExtensionResults).toEqual({ appid: false });
    expect(assertion.id).toBe(registered.credential.id);
  });

  it("checks the AppID against the caller's origin (FIDO AppID 3.1.2, simplified as browsers do)", async () => {
    const credential = await registerOverU2f("https://u2f.example.com/facets");
    const options = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: credential.id }], userVerification: "discouraged" });
    // Same registrable domain, another host: allowed.
    const assertion = await t.key.get({ ...options, extensions: { appid: "https://u2f.example.com/facets" } }, { origin });
    expect(assertion.clientExtensionResults).toEqual({ appid: true });
    for (const appid of ["http://example.com/app-id.json", "https://example.org/app-id.json", "https://evil-example.com/", "https://com/"]) {
      const error = await rejection(t.key.get({ ...options, extensions: { appid } }, { origin }));
      expect(error.name, appid).toBe("SecurityError");
      expect(error.pageMessage, appid).toBe("This is an invalid domain.");
    }
    // Not a URL at all: Chrome's renderer says so first, as a SyntaxError.
    expect((await rejection(t.key.get({ ...options, extensions: { appid: "not a url" } }, { origin }))).name).toBe("SyntaxError");
    expect((await rejection(t.key.get({ ...options, extensions: { appid: 42 as unknown as string } }, { origin }))).name).toBe("TypeError");
    // An AppID that is not https is fine when it is the caller's own origin (http://localhost here).
    const local = await registerOverU2f("http://localhost:8080");
    const localOptions = await generateAuthenticationOptions({ rpID: "localhost", allowCredentials: [{ id: local.id }], userVerification: "discouraged" });
    const localAssertion = await t.key.get({ ...localOptions, extensions: { appid: "http://localhost:8080" } }, { origin: "http://localhost:8080" });
    expect(localAssertion.clientExtensionResults).toEqual({ appid: true });
    // An empty AppID is the caller's origin.
    const byOrigin = await registerOverU2f(origin);
    const originOptions = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: byOrigin.id }], userVerification: "discouraged" });
    expect((await t.key.get({ ...originOptions, extensions: { appid: "" } }, { origin })).clientExtensionResults).toEqual({ appid: true });
  });
});
