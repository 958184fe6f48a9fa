import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import { decodeCbor, type CborMap } from "../../src/ctap/cbor.js";
import { Status } from "../../src/ctap/status.js";
import { fromBase64Url, toBase64Url } from "../../src/bytes/base64url.js";
import { WebAuthnClient, WebAuthnError, type RegistrationResponseJSON } from "../../src/client/index.js";
import { FakeAuthenticator, type FakeOptions } from "./fakeAuthenticator.js";

const origin = "https://login.example.com";
const rpID = "example.com";
const UV_KEY = { options: { rk: true, up: true, uv: true } };
const ZERO_AAGUID = "00000000-0000-0000-0000-000000000000";

function setup(config: FakeOptions = UV_KEY, clientOptions = {}) {
  const fake = new FakeAuthenticator(config);
  return { fake, client: new WebAuthnClient(fake, clientOptions) };
}

async function registrationOptions(overrides: Partial<Parameters<typeof generateRegistrationOptions>[0]> = {}) {
  // A fresh authenticatorSelection every time: generateRegistrationOptions mutates its shared
  // default object (preferredAuthenticatorType writes authenticatorAttachment into it).
  return generateRegistrationOptions({
    rpName: "Example",
    rpID,
    userName: "alice",
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<WebAuthnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAuthnError);
  return error as WebAuthnError;
}

function attestationObject(response: RegistrationResponseJSON): CborMap {
  return decodeCbor(fromBase64Url(response.response.attestationObject)) as CborMap;
}

describe("WebAuthnClient registration", () => {
  it("produces a response @simplewebauthn/server verifies, and an assertion after it", async () => {
    const { client } = setup();
    const options = await registrationOptions();
    const response = await client.create(options, { origin });
    expect(response).toMatchObject({
      type: "public-key",
      authenticatorAttachment: "cross-platform",
      clientExtensionResults: { credProps: { rk: true } },
      response: { transports: ["usb"], publicKeyAlgorithm: -7 },
    });
    expect(response.rawId).toBe(response.id);
    const clientData = JSON.parse(Buffer.from(fromBase64Url(response.response.clientDataJSON)).toString());
    expect(clientData).toEqual({ type: "webauthn.create", challenge: options.challenge, origin, crossOrigin: false });

    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
    });
    expect(verified.verified).toBe(true);
    const info = verified.registrationInfo!;
    expect(info.fmt).toBe("none");
    // attestation "none" on a security key: the AAGUID is zeroed, as Chrome does.
    expect(info.aaguid).toBe(ZERO_AAGUID);
    expect(info.userVerified).toBe(true);

    const authOptions = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: info.credential.id }] });
    const assertion = await client.get(authOptions, { origin });
    expect(assertion.id).toBe(response.id);
    const authVerified = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: authOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: info.credential,
    });
    expect(authVerified.verified).toBe(true);
    expect(authVerified.authenticationInfo.newCounter).toBe(1);
  });

  it("reports the SPKI public key of the credential", async () => {
    const { client } = setup();
    const response = await client.create(await registrationOptions(), { origin });
    const authData = fromBase64Url(response.response.authenticatorData);
    expect(response.response.publicKey).toBeDefined();
    const { createPublicKey } = await import("node:crypto");
    const key = createPublicKey({ key: Buffer.from(fromBase64Url(response.response.publicKey!)), format: "der", type: "spki" });
    expect(key.asymmetricKeyType).toBe("ec");
    expect(toBase64Url(attestationObject(response).get("authData") as Uint8Array)).toBe(toBase64Url(authData));
  });

  it("keeps packed attestation and the AAGUID for attestation direct", async () => {
    const { client, fake } = setup();
    const options = await registrationOptions({ attestationType: "direct" });
    const response = await client.create(options, { origin });
    expect(attestationObject(response).get("fmt")).toBe("packed");
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
    });
    expect(verified.verified).toBe(true);
    expect(verified.registrationInfo!.aaguid).not.toBe(ZERO_AAGUID);
    expect(verified.registrationInfo!.aaguid.replaceAll("-", "")).toBe(Buffer.from(fake.aaguid).toString("hex"));
  });

  it('keeps the AAGUID under attestation none with noneAttestationAaguid "keep" (WebAuthn L3)', async () => {
    const { client } = setup(UV_KEY, { noneAttestationAaguid: "keep" });
    const options = await registrationOptions();
    const response = await client.create(options, { origin });
    expect(attestationObject(response).get("fmt")).toBe("none");
    expect(attestationObject(response).get("attStmt")).toEqual(new Map());
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
    });
    expect(verified.registrationInfo!.aaguid).not.toBe(ZERO_AAGUID);
  });

  it("passes self attestation (zero AAGUID, packed, no x5c) through under attestation none", async () => {
    const { client } = setup({ ...UV_KEY, aaguid: new Uint8Array(16) });
    const response = await client.create(await registrationOptions(), { origin });
    expect(attestationObject(response).get("fmt")).toBe("packed");
  });

  it("sends rk and uv as the RP's wishes and getInfo allow", async () => {
    const { client, fake } = setup({ options: { rk: true, up: true } });
    const response = await client.create(
      await registrationOptions({ authenticatorSelection: { residentKey: "discouraged", userVerification: "preferred" } }),
      { origin },
    );
    expect(response.clientExtensionResults).toEqual({ credProps: { rk: false } });
    const [params] = fake.requestsFor(0x01);
    expect(params!.get(7)).toBeUndefined();
    expect(fake.credentials[0]!.discoverable).toBe(false);

    const { client: uvClient, fake: uvFake } = setup();
    await uvClient.create(await registrationOptions({ authenticatorSelection: { residentKey: "required" } }), { origin });
    expect(uvFake.requestsFor(0x01)[0]!.get(7)).toEqual(new Map([["rk", true], ["uv", true]]));
  });

  it("asks getInfo afresh for each ceremony, as the PIN and free slots change under it", async () => {
    const { client, fake } = setup();
    await client.create(await registrationOptions(), { origin });
    await client.create(await registrationOptions(), { origin });
    expect(fake.requestsFor(0x04)).toHaveLength(2);
    expect((await client.getInfo()).options.get("rk")).toBe(true);
  });

  it("maps CREDENTIAL_EXCLUDED to InvalidStateError", async () => {
    const { client } = setup();
    const first = await client.create(await registrationOptions(), { origin });
    const error = await rejection(
      client.create(await registrationOptions({ excludeCredentials: [{ id: first.id }] }), { origin }),
    );
    expect(error.name).toBe("InvalidStateError");
    expect(error.ctapStatus).toBe(Status.CTAP2_ERR_CREDENTIAL_EXCLUDED);
    expect(error.ctapStatusName).toBe("CTAP2_ERR_CREDENTIAL_EXCLUDED");
  });

  it("probes a long excludeCredentials list in batches of maxCredentialCountInList", async () => {
    const { client, fake } = setup({ ...UV_KEY, maxCredentialCountInList: 2 });
    const first = await client.create(await registrationOptions(), { origin });
    const others = [1, 2, 3, 4].map((n) => ({ id: toBase64Url(new Uint8Array(16).fill(n)) }));
    const error = await rejection(
      client.create(await registrationOptions({ excludeCredentials: [...others, { id: first.id }] }), { origin }),
    );
    expect(error.name).toBe("InvalidStateError");
    const probes = fake.requestsFor(0x02);
    expect(probes).toHaveLength(3);
    for (const probe of probes) {
      expect(probe!.get(5)).toEqual(new Map([["up", false]]));
      expect((probe!.get(3) as unknown[]).length).toBeLessThanOrEqual(2);
    }
    const sent = fake.requestsFor(0x01).at(-1)!.get(5) as CborMap[];
    expect(sent.map((d) => toBase64Url(d.get("id") as Uint8Array))).toEqual([first.id]);
  });

  it("refuses unsupported algorithms with NotSupportedError", async () => {
    const { client, fake } = setup();
    const error = await rejection(client.create(await registrationOptions({ supportedAlgorithmIDs: [-8, -257] }), { origin }));
    expect(error.name).toBe("NotSupportedError");
    expect(fake.requestsFor(0x01)).toHaveLength(0);

    // Without an advertised list, the authenticator's own status says so.
    const { client: quiet } = setup({ ...UV_KEY, algorithms: null });
    const ctapError = await rejection(quiet.create(await registrationOptions({ supportedAlgorithmIDs: [-8] }), { origin }));
    expect(ctapError.name).toBe("NotSupportedError");
    expect(ctapError.ctapStatus).toBe(Status.CTAP2_ERR_UNSUPPORTED_ALGORITHM);
  });

  it("refuses required UV or rk the authenticator cannot give", async () => {
    const { client } = setup({ options: { rk: false, clientPin: true } });
    const uv = await rejection(
      client.create(await registrationOptions({ authenticatorSelection: { userVerification: "required" } }), { origin }),
    );
    expect(uv.name).toBe("NotAllowedError");
    expect(uv.message).toMatch(/needs its PIN: pass pin \/ --pin-file \/ SOFTKEY_PIN/);
    const rk = await rejection(
      client.create(await registrationOptions({ authenticatorSelection: { residentKey: "required" } }), { origin }),
    );
    expect(rk.name).toBe("NotAllowedError");
    expect(rk.message).toMatch(/discoverable/);
  });

  it("refuses a platform-only request from a cross-platform client", async () => {
    const { client, fake } = setup();
    const error = await rejection(
      client.create(await registrationOptions({ preferredAuthenticatorType: "localDevice" }), { origin }),
    );
    expect(error.name).toBe("NotAllowedError");
    expect(fake.requests).toHaveLength(0);
    const { client: platform } = setup(UV_KEY, { attachment: "platform" });
    const response = await platform.create(await registrationOptions({ preferredAuthenticatorType: "localDevice" }), { origin });
    expect(response.authenticatorAttachment).toBe("platform");
  });

  it("checks origin and RP ID before talking to the authenticator", async () => {
    const { client, fake } = setup();
    for (const bad of ["https://examp1e.com", "https://example.com.evil.test", "http://login.example.com"]) {
      expect((await rejection(client.create(await registrationOptions(), { origin: bad }))).name).toBe("SecurityError");
    }
    expect((await rejection(client.create(await registrationOptions({ rpID: "com" }), { origin }))).name).toBe(
      "SecurityError",
    );
    expect(fake.requests).toHaveLength(0);
  });

  it("marks a cross-origin call in clientDataJSON", async () => {
    const { client } = setup();
    const response = await client.create(await registrationOptions(), { origin, topOrigin: "https://shop.test" });
    const clientData = JSON.parse(Buffer.from(fromBase64Url(response.response.clientDataJSON)).toString());
    expect(clientData).toMatchObject({ crossOrigin: true, topOrigin: "https://shop.test" });
    const same = await client.create(await registrationOptions(), { origin, topOrigin: origin });
    expect(JSON.parse(Buffer.from(fromBase64Url(same.response.clientDataJSON)).toString())).not.toHaveProperty("topOrigin");
  });
});

describe("WebAuthnClient timeouts, aborts and failures", () => {
  it("times out with NotAllowedError and cancels the CTAP request", async () => {
    const { client, fake } = setup();
    fake.hang.add(0x01);
    const started = Date.now();
    const error = await rejection(client.create({ ...(await registrationOptions()), timeout: 50 }, { origin }));
    expect(error.name).toBe("NotAllowedError");
    expect(error.message).toMatch(/timed out after 50 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("ends with AbortError when the caller aborts", async () => {
    const { client, fake } = setup();
    fake.hang.add(0x01);
    const controller = new AbortController();
    const pending = client.create(await registrationOptions(), { origin, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(pending)).name).toBe("AbortError");

    const fresh = setup();
    const error = await rejection(fresh.client.create(await registrationOptions(), { origin, signal: AbortSignal.abort() }));
    expect(error.name).toBe("AbortError");
    expect(fresh.fake.requests).toHaveLength(0);
  });

  it("maps other CTAP statuses to NotAllowedError, keeping the status", async () => {
    const { client, fake } = setup();
    fake.failNext.set(0x01, Status.CTAP2_ERR_OPERATION_DENIED);
    const error = await rejection(client.create(await registrationOptions(), { origin }));
    expect(error.name).toBe("NotAllowedError");
    expect(error.ctapStatus).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
  });

  it("reports a malformed authenticator response as NotAllowedError", async () => {
    const fake = new FakeAuthenticator(UV_KEY);
    const client = new WebAuthnClient({
      transact: async (request, context) =>
        request[0] === 0x01 ? new Uint8Array([0x00, 0xa1, 0x01]) : fake.transact(request, context),
    });
    const error = await rejection(client.create(await registrationOptions(), { origin }));
    expect(error.name).toBe("NotAllowedError");
    expect(error.message).toMatch(/malformed/);
  });

  it("refuses a non-CTAP2 authenticator", async () => {
    const { client } = setup({ versions: ["U2F_V2"] });
    expect((await rejection(client.create(await registrationOptions(), { origin }))).message).toMatch(/CTAP2/);
  });
});

describe("WebAuthnClient authentication", () => {
  async function withAccounts(names: string[], config: FakeOptions = UV_KEY) {
    const { client, fake } = setup(config);
    const registered = [];
    for (const userName of names) {
      const options = await registrationOptions({ userName, authenticatorSelection: { residentKey: "required" } });
      const response = await client.create(options, { origin });
      const verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
      });
      registered.push({ userName, userId: options.user.id, credential: verified.registrationInfo!.credential });
    }
    return { client, fake, registered };
  }

  it("collects every discoverable credential and picks the first by default", async () => {
    const { client, fake, registered } = await withAccounts(["alice", "bob", "carol"]);
    const options = await generateAuthenticationOptions({ rpID });
    const assertion = await client.get(options, { origin });
    expect(fake.requestsFor(0x08)).toHaveLength(2);
    expect(assertion.id).toBe(registered[0]!.credential.id);
    expect(assertion.response.userHandle).toBe(registered[0]!.userId);
    const verified = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: registered[0]!.credential,
    });
    expect(verified.verified).toBe(true);
  });

  it("lets selectCredential choose the account", async () => {
    const { client, registered } = await withAccounts(["alice", "bob", "carol"]);
    const options = await generateAuthenticationOptions({ rpID });
    let offered: string[] = [];
    const assertion = await client.get(options, {
      origin,
      selectCredential: (candidates) => {
        offered = candidates.map((c) => c.userName ?? "?");
        return candidates.findIndex((c) => c.userName === "carol");
      },
    });
    expect(offered).toEqual(["alice", "bob", "carol"]);
    const carol = registered[2]!;
    expect(assertion.response.userHandle).toBe(carol.userId);
    const verified = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: carol.credential,
    });
    expect(verified.verified).toBe(true);

    const bad = await rejection(client.get(await generateAuthenticationOptions({ rpID }), { origin, selectCredential: () => 7 }));
    expect(bad.name).toBe("NotAllowedError");
  });

  it("reports no credentials as NotAllowedError", async () => {
    const { client } = setup();
    const error = await rejection(client.get(await generateAuthenticationOptions({ rpID }), { origin }));
    expect(error.name).toBe("NotAllowedError");
    expect(error.ctapStatus).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);
  });

  it("probes a long allowCredentials list and sends only the match", async () => {
    const { client, fake, registered } = await withAccounts(["alice"], { ...UV_KEY, maxCredentialCountInList: 2 });
    const decoys = [1, 2, 3].map((n) => ({ id: toBase64Url(new Uint8Array(16).fill(n)) }));
    const options = await generateAuthenticationOptions({
      rpID,
      allowCredentials: [...decoys, { id: registered[0]!.credential.id }],
    });
    const assertion = await client.get(options, { origin });
    expect(assertion.id).toBe(registered[0]!.credential.id);
    const requests = fake.requestsFor(0x02);
    expect(requests.slice(0, 2).map((r) => r!.get(5))).toEqual([new Map([["up", false]]), new Map([["up", false]])]);
    expect((requests.at(-1)!.get(3) as unknown[]).length).toBe(1);
  });

  it("drops allowCredentials IDs longer than maxCredentialIdLength", async () => {
    const { client, fake } = setup({ ...UV_KEY, maxCredentialIdLength: 64 });
    const options = await generateAuthenticationOptions({
      rpID,
      allowCredentials: [{ id: toBase64Url(new Uint8Array(65)) }],
    });
    const error = await rejection(client.get(options, { origin }));
    expect(error.name).toBe("NotAllowedError");
    expect(fake.requestsFor(0x02)).toHaveLength(0);
  });

  it("defaults rpId to the origin's host", async () => {
    const localOrigin = "http://localhost:8080";
    const { client, fake } = setup();
    const options = await generateRegistrationOptions({
      rpName: "Local",
      rpID: "localhost",
      userName: "dev",
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
    });
    await client.create(options, { origin: localOrigin });
    const { challenge } = await generateAuthenticationOptions({ rpID: "localhost" });
    await client.get({ challenge }, { origin: localOrigin });
    expect(fake.requestsFor(0x02)[0]!.get(1)).toBe("localhost");
  });
});
