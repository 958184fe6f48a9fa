/**
 * The HTTP service end to end: `softkey serve --http 127.0.0.1:0` (the built
 * binary, a real store), its API checked by @simplewebauthn/server as an RP
 * would, and every error status with its JSON body.
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
import { initHttpStore, startHttpServe, stopAllHttpServes, type HttpServe } from "../helpers/httpService.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";

let tmp: string;
let serve: HttpServe;
let credential: WebAuthnCredential;

async function registrationOptions(userName = "alice") {
  return generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName, attestationType: "direct", supportedAlgorithmIDs: [-7] });
}

/** POST /v1/registrations, verified as the RP would. */
async function register(userName = "alice"): Promise<WebAuthnCredential> {
  const options = await registrationOptions(userName);
  const answer = await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN, options } });
  expect(answer.status, answer.text).toBe(201);
  expect(answer.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(answer.headers.get("location")).toBe(`/v1/credentials/${answer.body.id}`);
  const verification = await verifyRegistrationResponse({
    response: answer.body,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
  expect(verification.verified).toBe(true);
  const { id, publicKey, counter } = verification.registrationInfo!.credential;
  return { id, publicKey, counter };
}

/** POST /v1/assertions, verified as the RP would; returns the new counter. */
async function signIn(cred: WebAuthnCredential): Promise<number> {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: cred.id }] });
  const answer = await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options } });
  expect(answer.status, answer.text).toBe(200);
  const verification = await verifyAuthenticationResponse({
    response: answer.body,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential: cred,
    requireUserVerification: false,
  });
  expect(verification.verified).toBe(true);
  cred.counter = verification.authenticationInfo.newCounter;
  return cred.counter;
}

function expectError(answer: { status: number; body: { error?: { code?: unknown; message?: unknown } }; text: string }, status: number, code: string) {
  expect(answer.status, answer.text).toBe(status);
  expect(Object.keys(answer.body)).toEqual(["error"]);
  expect(answer.body.error!.code).toBe(code);
  expect(typeof answer.body.error!.message).toBe("string");
  expect(answer.text).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-http-test-"));
  const store = path.join(tmp, "store");
  await initHttpStore(store);
  serve = await startHttpServe(store, { tokenFile: path.join(tmp, "token") });
  credential = await register();
});

afterAll(async () => {
  await stopAllHttpServes();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("softkey serve --http: the API", () => {
  it("announces http:127.0.0.1:PORT in its JSON line", () => {
    expect(serve.listening).toEqual([expect.stringMatching(/^http:127\.0\.0\.1:\d+$/)]);
    expect(Number(serve.listening[0]!.split(":")[2])).toBeGreaterThan(0);
    expect(serve.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("registers and signs in, verified by @simplewebauthn/server, with the counter going up", async () => {
    const cred = await register("bob");
    expect(await signIn(cred)).toBe(1);
    expect(await signIn(cred)).toBe(2);
  });

  it("lists credentials (no secrets), filters by rpId, deletes one and then answers 404", async () => {
    const cred = await register("carol");
    const all = await serve.call("GET", "/v1/credentials");
    expect(all.status).toBe(200);
    expect(all.body.corrupted).toEqual([]);
    const listed = all.body.credentials.find((c: { credentialId: string }) => c.credentialId === cred.id);
    expect(listed).toMatchObject({ credentialId: cred.id, rpId: RP_ID, algorithm: "ES256", signCount: 0 });
    expect(all.text).not.toMatch(/privateKey|secret|sealed/i);

    const filtered = await serve.call("GET", `/v1/credentials?rpId=${RP_ID}`);
    expect(filtered.body.credentials.length).toBe(all.body.credentials.length);
    const other = await serve.call("GET", "/v1/credentials?rpId=other.example");
    expect(other.body).toEqual({ credentials: [], corrupted: [] });
    expectError(await serve.call("GET", "/v1/credentials?rpid=example.com"), 400, "invalid_request");

    const deleted = await serve.call("DELETE", `/v1/credentials/${cred.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expectError(await serve.call("DELETE", `/v1/credentials/${cred.id}`), 404, "not_found");
    const after = await serve.call("GET", "/v1/credentials");
    expect(after.body.credentials.some((c: { credentialId: string }) => c.credentialId === cred.id)).toBe(false);
    // Signing in with it now fails as a browser's would.
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: cred.id }] });
    const refused = await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options } });
    expectError(refused, 422, "NotAllowedError");
    expect(refused.body.error.ctapStatus).toBe("CTAP2_ERR_NO_CREDENTIALS");
    expectError(await serve.call("DELETE", "/v1/credentials/not*base64url"), 400, "invalid_request");
  });

  it("GET /v1/info shows the device and the decoded authenticatorGetInfo", async () => {
    const info = await serve.call("GET", "/v1/info");
    expect(info.status).toBe(200);
    expect(info.body.aaguid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(info.body.getInfo.versions).toContain("FIDO_2_1");
    expect(info.body.getInfo.aaguid).toBe(info.body.aaguid);
    expect(info.body.credentials.total).toBeGreaterThanOrEqual(1);
    expect(info.body.kdf).toEqual({ algorithm: "scrypt", N: 1024, r: 8, p: 1 });
  });

  it("GET /healthz needs no token", async () => {
    const health = await serve.call("GET", "/healthz", { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true });
  });

  it("401 without a token or with a wrong one, with WWW-Authenticate: Bearer", async () => {
    const none = await serve.call("GET", "/v1/credentials", { token: null });
    expectError(none, 401, "unauthorized");
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="softkey"');
    const wrong = await serve.call("GET", "/v1/credentials", { token: `${serve.token.slice(0, -1)}A` === serve.token ? "B".repeat(43) : `${serve.token.slice(0, -1)}A` });
    expectError(wrong, 401, "unauthorized");
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer realm="softkey", error="invalid_token"$/);
    const longer = await serve.call("GET", "/v1/info", { token: `${serve.token}x` });
    expectError(longer, 401, "unauthorized");
    const basic = await serve.call("GET", "/v1/info", { token: null, headers: { authorization: `Basic ${serve.token}` } });
    expectError(basic, 401, "unauthorized");
    // A ceremony without the token never reaches the authenticator, whatever its body.
    const ceremony = await serve.call("POST", "/v1/assertions", { token: null, raw: "x".repeat(200_000) });
    expectError(ceremony, 401, "unauthorized");
    // The token is accepted with any case of "Bearer".
    expect((await serve.call("GET", "/v1/info", { token: null, headers: { authorization: `bearer ${serve.token}` } })).status).toBe(200);
  });

  it("413 for a body over 64 KiB, 415 for another content type, 400 for garbage JSON or a body that is not an object", async () => {
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
    const padded = { origin: ORIGIN, options: { ...options, extensions: { padding: "x".repeat(70_000) } } };
    expectError(await serve.call("POST", "/v1/assertions", { json: padded }), 413, "payload_too_large");
    // Far over the limit, declared up front.
    expectError(await serve.call("POST", "/v1/assertions", { raw: Buffer.alloc(2 * 1024 * 1024, 0x20) }), 413, "payload_too_large");
    expectError(await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options }, contentType: "text/plain" }), 415, "unsupported_media_type");
    expectError(await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options }, contentType: null }), 415, "unsupported_media_type");
    expectError(await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options }, contentType: "application/json; charset=latin1" }), 415, "unsupported_media_type");
    expect((await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options }, contentType: "Application/JSON; charset=UTF-8" })).status).toBe(200);
    expectError(await serve.call("POST", "/v1/assertions", { raw: "{ not json" }), 400, "invalid_json");
    expectError(await serve.call("POST", "/v1/assertions", { raw: "" }), 400, "invalid_json");
    expectError(await serve.call("POST", "/v1/assertions", { raw: Buffer.from([0x7b, 0xff, 0x7d]) }), 400, "invalid_json");
    expectError(await serve.call("POST", "/v1/assertions", { json: [1, 2] }), 400, "invalid_request");
    expectError(await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options, extra: 1 } }), 400, "invalid_request");
  });

  it("400 with the WebAuthn client's message for bad options or origin", async () => {
    const noChallenge = await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options: { rpId: RP_ID } } });
    expectError(noChallenge, 400, "TypeError");
    expect(noChallenge.body.error.message).toBe("challenge is required");
    const badChallenge = await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options: { challenge: "not base64url!" } } });
    expectError(badChallenge, 400, "EncodingError");
    expectError(await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN, options: "nope" } }), 400, "TypeError");
    expectError(await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN } }), 400, "TypeError");
    const noOrigin = await serve.call("POST", "/v1/registrations", { json: { origin: 42, options: await registrationOptions() } });
    expectError(noOrigin, 400, "TypeError");
    expect(noOrigin.body.error.message).toMatch(/origin/);
    const notUrl = await serve.call("POST", "/v1/registrations", { json: { origin: "example.com", options: await registrationOptions() } });
    expectError(notUrl, 400, "TypeError");
  });

  it("403 SecurityError for a look-alike origin", async () => {
    const options = await registrationOptions();
    const answer = await serve.call("POST", "/v1/registrations", { json: { origin: "https://example.com.evil.test", options } });
    expectError(answer, 403, "SecurityError");
    const auth = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
    expectError(await serve.call("POST", "/v1/assertions", { json: { origin: "https://examp1e.com", options: auth } }), 403, "SecurityError");
  });

  it("409 InvalidStateError for an excluded credential", async () => {
    const options = await generateRegistrationOptions({
      rpName: "Example",
      rpID: RP_ID,
      userName: "alice",
      excludeCredentials: [{ id: credential.id }],
    });
    const answer = await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN, options } });
    expectError(answer, 409, "InvalidStateError");
    expect(answer.body.error.ctapStatus).toBe("CTAP2_ERR_CREDENTIAL_EXCLUDED");
  });

  it("405 with Allow for a wrong method, 404 for an unknown path", async () => {
    const get = await serve.call("GET", "/v1/assertions");
    expectError(get, 405, "method_not_allowed");
    expect(get.headers.get("allow")).toBe("POST");
    const put = await serve.call("PUT", "/v1/credentials");
    expectError(put, 405, "method_not_allowed");
    expect(put.headers.get("allow")).toBe("GET");
    const getOne = await serve.call("GET", `/v1/credentials/${credential.id}`);
    expectError(getOne, 405, "method_not_allowed");
    expect(getOne.headers.get("allow")).toBe("DELETE");
    expect((await serve.call("POST", "/healthz", { token: null })).headers.get("allow")).toBe("GET");
    expectError(await serve.call("GET", "/v2/info"), 404, "not_found");
    expectError(await serve.call("GET", "/v1/info/"), 404, "not_found");
    // Without the token, nothing but /healthz says what exists.
    expectError(await serve.call("GET", "/v2/info", { token: null }), 401, "unauthorized");
  });

  it("logs one line per request: method, path, status, duration; never the token", async () => {
    await serve.call("GET", "/v1/info");
    const lines = serve.stderr().trimEnd().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^http POST \/v1\/registrations -> 201 \(\d+\.\d ms\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^http GET \/v1\/info -> 200 \(\d+\.\d ms\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^http GET \/v1\/credentials -> 401 unauthorized \(\d+\.\d ms\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^http POST \/v1\/registrations -> 403 SecurityError \(\d+\.\d ms\)$/));
    expect(lines.every((line) => line.startsWith("http ") || line.startsWith("ctap"))).toBe(true);
    expect(serve.stderr()).not.toContain(serve.token);
    expect(serve.stdout().split("\n").filter(Boolean)).toHaveLength(1);
  });
});
