/**
 * U2F fallback: a CTAP1-only key (the u2f-only profile) registers and signs
 * in through softkey's WebAuthn client as Chrome serves a U2F token
 * (U2F_REGISTER / U2F_AUTHENTICATE, "fido-u2f" attestation), in process and
 * over CTAPHID_MSG to `softkey serve`, with @simplewebauthn/server as the RP;
 * and what a U2F key cannot do is refused before it is touched.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, verifyAuthenticationResponse, verifyRegistrationResponse, type WebAuthnCredential } from "@simplewebauthn/server";
import { decodeCbor } from "../../src/ctap/cbor.js";
import { Softkey } from "../../src/softkey.js";
import { WebAuthnClient, type RegistrationResponseJSON } from "../../src/client/index.js";
import { createU2fHandler } from "../../src/authenticator/u2f/u2fHandler.js";
import { extendedApdu, parseRegistration, registerData, send, sha256 } from "../authenticator/u2f/helpers.js";
import { CtaphidSocketClient } from "../helpers/ctaphidClient.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { startServe, type ServeProcess } from "../helpers/softkeyServe.js";
import { openSoftkey, origin, registrationOptions, rejection, rpID, type TestSoftkey } from "./helpers.js";

async function registerAndVerify(client: WebAuthnClient | Softkey, attestationType: "direct" | "none" = "direct") {
  const options = await registrationOptions({ attestationType, supportedAlgorithmIDs: [-7, -257] });
  const response = await client.create(options, { origin });
  const verification = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false });
  expect(verification.verified).toBe(true);
  return { response, credential: verification.registrationInfo!.credential, fmt: verification.registrationInfo!.fmt };
}

async function signInAndVerify(client: WebAuthnClient | Softkey, credential: WebAuthnCredential, extra: Record<string, unknown> = {}) {
  const options = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: credential.id }], userVerification: "preferred" });
  const response = await client.get({ ...options, ...extra }, { origin });
  const verification = await verifyAuthenticationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, credential, requireUserVerification: false });
  expect(verification.verified).toBe(true);
  credential.counter = verification.authenticationInfo.newCounter;
  return { response, newCounter: verification.authenticationInfo.newCounter };
}

function attestationOf(response: RegistrationResponseJSON): Map<string, unknown> {
  return decodeCbor(Buffer.from(response.response.attestationObject, "base64url")) as Map<string, unknown>;
}

describe("U2F fallback in process (u2f-only profile)", () => {
  let t: TestSoftkey;
  beforeEach(async () => {
    t = await openSoftkey({}, { profile: "u2f-only" });
  });
  afterEach(async () => {
    await t.close();
  });

  it("registers with fido-u2f attestation and signs in; the counter goes up; the RP verifies both", async () => {
    const { response, credential, fmt } = await registerAndVerify(t.key);
    expect(fmt).toBe("fido-u2f");
    const attestation = attestationOf(response);
    expect((attestation.get("attStmt") as Map<string, unknown>).get("x5c")).toHaveLength(1);
    expect(response).toMatchObject({ authenticatorAttachment: "cross-platform", response: { transports: ["usb"], publicKeyAlgorithm: -7 } });
    // A U2F key stores no discoverable credential and verifies no one.
    expect(response.clientExtensionResults).toEqual({ credProps: { rk: false } });
    const first = await signInAndVerify(t.key, credential);
    const second = await signInAndVerify(t.key, credential);
    expect(second.newCounter).toBeGreaterThan(first.newCounter);
    expect(first.response.response.userHandle).toBeUndefined();
    // The store holds it as the core's U2F_REGISTER made it.
    const listed = (await t.key.listCredentials()).credentials;
    expect(listed).toEqual([expect.objectContaining({ credentialId: credential.id, discoverable: false })]);
  });

  it("with attestation none the client strips the statement", async () => {
    const { fmt, response } = await registerAndVerify(t.key, "none");
    expect(fmt).toBe("none");
    expect(attestationOf(response).get("fmt")).toBe("none");
  });

  it("refuses what a U2F key cannot do: a discoverable credential, UV, another algorithm, an empty allowCredentials", async () => {
    const rk = await rejection(t.key.create(await registrationOptions({ authenticatorSelection: { residentKey: "required" } }), { origin }));
    expect(rk).toMatchObject({ name: "NotAllowedError", message: expect.stringContaining("U2F key") });
    const uv = await rejection(t.key.create(await registrationOptions({ authenticatorSelection: { userVerification: "required" } }), { origin }));
    expect(uv).toMatchObject({ name: "NotAllowedError", message: expect.stringContaining("cannot verify the user") });
    const rsa = await rejection(t.key.create(await registrationOptions({ supportedAlgorithmIDs: [-257] }), { origin }));
    expect(rsa.name).toBe("NotSupportedError");
    const { credential } = await registerAndVerify(t.key);
    const passkey = await rejection(t.key.get(await generateAuthenticationOptions({ rpID }), { origin }));
    expect(passkey).toMatchObject({ name: "NotAllowedError", message: expect.stringContaining("no discoverable credentials") });
    const uvGet = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: credential.id }], userVerification: "required" });
    expect((await rejection(t.key.get(uvGet, { origin }))).name).toBe("NotAllowedError");
    // An enforced credProtect cannot be kept by a key without the extension.
    const enforced = await rejection(
      t.key.create({ ...(await registrationOptions()), extensions: { credentialProtectionPolicy: "userVerificationRequired", enforceCredentialProtectionPolicy: true } }, { origin }),
    );
    expect(enforced.name).toBe("NotAllowedError");
  });

  it("excludeCredentials: a key handle the key knows ends in InvalidStateError, checked with check-only U2F_AUTHENTICATE", async () => {
    const { credential } = await registerAndVerify(t.key);
    const excluded = await rejection(t.key.create(await registrationOptions({ excludeCredentials: [{ id: "AAAA" }, { id: credential.id }] }), { origin }));
    expect(excluded.name).toBe("InvalidStateError");
    // Another key's handle does not exclude.
    await registerAndVerify(t.key);
    const other = await registrationOptions({ excludeCredentials: [{ id: Buffer.alloc(32, 1).toString("base64url") }] });
    expect((await t.key.create(other, { origin })).type).toBe("public-key");
  });

  it("allowCredentials with a key handle the key does not hold is NotAllowedError; the one it holds answers", async () => {
    const { credential } = await registerAndVerify(t.key);
    const unknown = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: Buffer.alloc(32, 9).toString("base64url") }], userVerification: "discouraged" });
    expect((await rejection(t.key.get(unknown, { origin }))).name).toBe("NotAllowedError");
    const mixed = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: Buffer.alloc(32, 9).toString("base64url") }, { id: credential.id }], userVerification: "discouraged" });
    const answer = await t.key.get(mixed, { origin });
    expect(answer.id).toBe(credential.id);
  });

  it("appid: a credential made under an AppID signs in under it, as U2F_AUTHENTICATE with SHA-256(AppID)", async () => {
    const appId = "https://example.com/app-id.json";
    const u2f = createU2fHandler(t.key.authenticator);
    const made = parseRegistration((await send(u2f, extendedApdu(0x01, 0x03, registerData(sha256("c"), sha256(appId))))).data);
    u2f.close();
    const id = made.keyHandle.toString("base64url");
    const options = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id }], userVerification: "discouraged" });
    const assertion = await t.key.get({ ...options, extensions: { appid: appId } }, { origin });
    expect(assertion.clientExtensionResults).toEqual({ appid: true });
    expect(Buffer.from(assertion.response.authenticatorData, "base64url").subarray(0, 32)).toEqual(sha256(appId));
  });
});

describe("U2F fallback over CTAPHID_MSG (softkey serve --profile u2f-only)", () => {
  const passphrase = "u2f over hid";
  let dir: string;
  let serve: ServeProcess;
  let hid: CtaphidSocketClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "softkey-u2f-hid-"));
    const key = await Softkey.init(join(dir, "store"), passphrase, { scrypt: TEST_SCRYPT, profile: "u2f-only" });
    await key.close();
    serve = await startServe(join(dir, "store"), passphrase);
    hid = await CtaphidSocketClient.connect(serve.address);
  });
  afterAll(async () => {
    hid?.close();
    serve?.child.kill();
    await serve?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("the device has no CBOR (CTAPHID_CBOR is an error), so the client registers and signs in over MSG", async () => {
    await expect(hid.device().transact(Uint8Array.of(0x04))).rejects.toThrow(/CTAPHID_ERROR/);
    const client = new WebAuthnClient(hid.device());
    const { credential, fmt } = await registerAndVerify(client);
    expect(fmt).toBe("fido-u2f");
    await signInAndVerify(client, credential);
    expect(serve.stderr()).not.toMatch(/failed/);
  });

  it("a device without a CTAP1 door is refused as before", async () => {
    const cborOnly = { transact: hid.device().transact };
    const error = await rejection(new WebAuthnClient(cborOnly).create(await registrationOptions(), { origin }));
    expect(error.name).toBe("NotAllowedError");
  });
});
