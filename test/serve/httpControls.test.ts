/**
 * The live controls over the real `softkey serve --http` (the built binary):
 * GET and PUT /v1/controls change presence, faults (session and stored), the
 * account the user picks and the capability answers while the service runs,
 * as @simplewebauthn/server sees in the next ceremony; a bad change is a 400
 * that changes nothing; stored faults outlive the service.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { assertBuilt } from "../cli/run.js";
import { initHttpStore, startHttpServe, stopAllHttpServes, type HttpServe } from "../helpers/httpService.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";
let tmp: string;

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-http-controls-"));
});
afterEach(() => stopAllHttpServes());
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function register(serve: HttpServe, userName: string) {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName, supportedAlgorithmIDs: [-7], authenticatorSelection: { residentKey: "required" } });
  const answer = await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN, options } });
  expect(answer.status, answer.text).toBe(201);
  const verification = await verifyRegistrationResponse({ response: answer.body, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID });
  return verification.registrationInfo!.credential;
}

/** A usernameless sign-in; the RP's verdict against the credential that answered. */
async function signIn(serve: HttpServe, credentials: Awaited<ReturnType<typeof register>>[]) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: "discouraged" });
  const answer = await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options } });
  if (answer.status !== 200) return { status: answer.status, code: answer.body.error.code as string };
  const credential = credentials.find((c) => c.id === answer.body.id)!;
  const verification = await verifyAuthenticationResponse({ response: answer.body, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential });
  return { status: answer.status, id: answer.body.id as string, verified: verification.verified };
}

describe("GET and PUT /v1/controls", () => {
  it("changes the next ceremony while the service runs, all or nothing, and stored faults outlive it", async () => {
    const store = path.join(tmp, "store");
    await initHttpStore(store);
    let serve = await startHttpServe(store, { tokenFile: path.join(tmp, "token") });
    const initial = await serve.call("GET", "/v1/controls");
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ presence: "auto", account: null, capabilities: {}, faults: { isBogusSignature: false }, storedFaults: { isBogusSignature: false } });

    const alice = await register(serve, "alice");
    const bob = await register(serve, "bob");
    const both = [alice, bob];
    expect(await signIn(serve, both)).toEqual({ status: 200, id: bob.id, verified: true });

    // Presence: a user who refuses, then one who touches again.
    expect((await serve.call("PUT", "/v1/controls", { json: { presence: "deny" } })).body.presence).toBe("deny");
    expect(await signIn(serve, both)).toEqual({ status: 422, code: "NotAllowedError" });
    await serve.call("PUT", "/v1/controls", { json: { presence: "auto" } });

    // The account the user picks, then the most recent again.
    const picked = await serve.call("PUT", "/v1/controls", { json: { account: { userName: "alice" } } });
    expect(picked.body.account).toEqual({ userName: "alice" });
    expect(await signIn(serve, both)).toEqual({ status: 200, id: alice.id, verified: true });

    // Capabilities as the key answers them.
    await serve.call("PUT", "/v1/controls", { json: { capabilities: { hybridTransport: true } } });
    expect((await serve.call("GET", "/v1/capabilities")).body.hybridTransport).toBe(true);

    // A bad member refuses the whole change: the valid presence beside it is not applied either.
    const before = (await serve.call("GET", "/v1/controls")).body;
    const bad = await serve.call("PUT", "/v1/controls", { json: { presence: "deny", faults: { isGood: true } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: "TypeError", message: expect.stringContaining('faults: unknown fault "isGood"') });
    const unknown = await serve.call("PUT", "/v1/controls", { json: { presence: "deny", colour: "red" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('unknown control "colour"');
    expect((await serve.call("GET", "/v1/controls")).body).toEqual(before);

    // Stored faults act at once in this service, and in the next one.
    const stored = await serve.call("PUT", "/v1/controls", { json: { storedFaults: { isBogusSignature: true }, account: null } });
    expect(stored.body).toMatchObject({ faults: { isBogusSignature: true }, storedFaults: { isBogusSignature: true }, account: null });
    expect(await signIn(serve, both)).toEqual({ status: 200, id: bob.id, verified: false });
    await stopAllHttpServes();
    serve = await startHttpServe(store, { tokenFile: path.join(tmp, "token") });
    expect((await serve.call("GET", "/v1/controls")).body).toMatchObject({ faults: { isBogusSignature: true }, capabilities: {} });
    await serve.call("PUT", "/v1/controls", { json: { storedFaults: { isBogusSignature: false } } });
    expect(await signIn(serve, both)).toEqual({ status: 200, id: bob.id, verified: true });
  });
});
