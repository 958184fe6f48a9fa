/**
 * The HTTP service's WebAuthn Level 3 parts, end to end against the built
 * binary: account choice on /v1/assertions, the signal methods on
 * /v1/signals (seen in /v1/credentials), /v1/capabilities, a conditional
 * create after POST /v1/mediated-sign-ins, and a u2f-only store served
 * through the U2F fallback. @simplewebauthn/server verifies every response.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { assertBuilt } from "../cli/run.js";
import { HTTP_PASSPHRASE, startHttpServe, stopAllHttpServes, type HttpServe } from "../helpers/httpService.js";
import { initServeStore } from "../helpers/serveChild.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";

let tmp: string;

async function serveProfile(name: string, profile?: string): Promise<HttpServe> {
  const store = path.join(tmp, name);
  await initServeStore(store, HTTP_PASSPHRASE, profile ? ["--profile", profile] : []);
  return startHttpServe(store, { tokenFile: path.join(tmp, `${name}.token`) });
}

async function register(serve: HttpServe, userName: string, extra: Record<string, unknown> = {}, residentKey: "required" | "discouraged" = "required") {
  const options = await generateRegistrationOptions({
    rpName: "Example",
    rpID: RP_ID,
    userName,
    attestationType: "direct",
    supportedAlgorithmIDs: [-7],
    authenticatorSelection: { residentKey, userVerification: "preferred" },
  });
  const answer = await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN, options, ...extra } });
  expect(answer.status, answer.text).toBe(201);
  const verification = await verifyRegistrationResponse({ response: answer.body, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: false });
  expect(verification.verified).toBe(true);
  return { credential: verification.registrationInfo!.credential, fmt: verification.registrationInfo!.fmt };
}

async function signIn(serve: HttpServe, credentials: WebAuthnCredential[], extra: Record<string, unknown> = {}, allow: WebAuthnCredential[] = []) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: allow.map((c) => ({ id: c.id })), userVerification: "preferred" });
  const answer = await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options, ...extra } });
  if (answer.status !== 200) return answer;
  const credential = credentials.find((c) => c.id === answer.body.id)!;
  const verification = await verifyAuthenticationResponse({ response: answer.body, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential, requireUserVerification: false });
  expect(verification.verified).toBe(true);
  credential.counter = verification.authenticationInfo.newCounter;
  return answer;
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-http-l3-"));
});
afterAll(async () => {
  await stopAllHttpServes();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("softkey serve --http: WebAuthn Level 3", () => {
  let serve: HttpServe;
  const credentials: Record<string, WebAuthnCredential> = {};
  beforeAll(async () => {
    serve = await serveProfile("roaming");
    for (const user of ["alice", "bob"]) {
      credentials[user] = (await register(serve, user)).credential;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  it("chooses the account with `account`; the most recent without; no match is 422 NotAllowedError", async () => {
    const all = Object.values(credentials);
    expect((await signIn(serve, all)).body.id).toBe(credentials.bob!.id);
    expect((await signIn(serve, all, { account: { userName: "alice" } })).body.id).toBe(credentials.alice!.id);
    expect((await signIn(serve, all, { account: { credentialId: credentials.bob!.id } })).body.id).toBe(credentials.bob!.id);
    const none = await signIn(serve, all, { account: { userName: "mallory" } });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: "NotAllowedError", message: expect.stringContaining('userName "mallory"') });
    const bad = await signIn(serve, all, { account: { nickname: "al" } });
    expect(bad.status).toBe(400);
  });

  it("signals: hides, restores and renames, as /v1/credentials then shows; bad options are 400 TypeError", async () => {
    const listed = async () => (await serve.call("GET", `/v1/credentials?rpId=${RP_ID}`)).body.credentials as { credentialId: string; hidden: boolean; userName: string; userHandle: string }[];
    const alice = (await listed()).find((c) => c.userName === "alice")!;
    const signal = (signal: string, options: unknown) => serve.call("POST", "/v1/signals", { json: { origin: ORIGIN, signal, options } });
    expect((await signal("signalUnknownCredential", { rpId: RP_ID, credentialId: alice.credentialId })).status).toBe(204);
    expect((await listed()).find((c) => c.credentialId === alice.credentialId)!.hidden).toBe(true);
    const refused = await signIn(serve, Object.values(credentials), {}, [credentials.alice!]);
    expect(refused.status).toBe(422);
    expect((await signal("signalAllAcceptedCredentials", { rpId: RP_ID, userId: alice.userHandle, allAcceptedCredentialIds: [alice.credentialId] })).status).toBe(204);
    expect((await signal("signalCurrentUserDetails", { rpId: RP_ID, userId: alice.userHandle, name: "alice@example.com", displayName: "Alice" })).status).toBe(204);
    expect((await listed()).find((c) => c.credentialId === alice.credentialId)).toMatchObject({ hidden: false, userName: "alice@example.com" });
    const bad = await signal("signalUnknownCredential", { rpId: RP_ID, credentialId: "no/base64" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("TypeError");
    expect((await signal("signalEverything", {})).status).toBe(400);
  });

  it("GET /v1/capabilities answers getClientCapabilities() for the key's profile", async () => {
    const answer = await serve.call("GET", "/v1/capabilities");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ conditionalCreate: false, userVerifyingPlatformAuthenticator: false, "extension:credentialProtectionPolicy": true });
  });
});

describe("softkey serve --http with the platform-passkey profile: conditional create", () => {
  it("refuses it until a mediated sign-in is recorded, then makes the passkey", async () => {
    const serve = await serveProfile("platform", "platform-passkey");
    const options = await generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName: "alice", authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" } });
    const refused = await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN, options, mediation: "conditional" } });
    expect(refused.status).toBe(422);
    expect((await serve.call("POST", "/v1/mediated-sign-ins", { json: { origin: ORIGIN, userName: "alice" } })).status).toBe(204);
    const { fmt } = await register(serve, "alice", { mediation: "conditional" }, "required");
    expect(fmt).toBe("none");
    expect((await serve.call("GET", "/v1/capabilities")).body).toMatchObject({ conditionalCreate: true, userVerifyingPlatformAuthenticator: true });
  });
});

describe("softkey serve --http with the u2f-only profile", () => {
  it("registers with fido-u2f attestation and signs in through the U2F fallback", async () => {
    const serve = await serveProfile("u2f", "u2f-only");
    const { credential, fmt } = await register(serve, "alice", {}, "discouraged");
    expect(fmt).toBe("fido-u2f");
    const answer = await signIn(serve, [credential], {}, [credential]);
    expect(answer.status, answer.text).toBe(200);
    expect(credential.counter).toBeGreaterThan(0);
  });
});
