/**
 * The simulated user over the HTTP service (GET and PUT /v1/user), against
 * the built binary and a softkey-bio store with a finger enrolled through
 * `softkey bio enroll`: the finger chosen over HTTP decides whether built-in
 * UV verifies the user in the next ceremony, which @simplewebauthn/server checks.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateRegistrationOptions, verifyRegistrationResponse } from "@simplewebauthn/server";
import { assertBuilt, runCli } from "../cli/run.js";
import { HTTP_PASSPHRASE, startHttpServe, stopAllHttpServes, type HttpServe } from "../helpers/httpService.js";
import { initServeStore } from "../helpers/serveChild.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";
let tmp: string;

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-http-user-"));
});
afterEach(() => stopAllHttpServes());
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function registerWithUv(serve: HttpServe) {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName: "bio", supportedAlgorithmIDs: [-7], authenticatorSelection: { userVerification: "required", residentKey: "discouraged" } });
  const answer = await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN, options } });
  if (answer.status !== 201) return { status: answer.status, body: answer.body };
  const verification = await verifyRegistrationResponse({ response: answer.body, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: true });
  return { status: answer.status, verified: verification.verified };
}

describe("GET and PUT /v1/user", () => {
  it("chooses the finger that touches: an enrolled one verifies, another is refused; bad input is a 400 with the reason", async () => {
    const store = path.join(tmp, "bio");
    await initServeStore(store, HTTP_PASSPHRASE, ["--profile", "softkey-bio"]);
    const env = { SOFTKEY_PASSPHRASE: HTTP_PASSPHRASE };
    expect((await runCli(["--store", store, "bio", "enroll", "--name", "thumb"], { env: { ...env, SOFTKEY_PIN: "2580" } })).code).not.toBe(0); // no PIN set yet
    expect((await runCli(["--store", store, "pin", "set"], { env: { ...env, SOFTKEY_NEW_PIN: "2580" } })).code).toBe(0);
    const enrolled = await runCli(["--store", store, "bio", "enroll", "--name", "thumb"], { env: { ...env, SOFTKEY_PIN: "2580" } });
    expect(enrolled.code, enrolled.stderr).toBe(0);

    const serve = await startHttpServe(store, { tokenFile: path.join(tmp, "bio.token") });
    expect((await serve.call("GET", "/v1/user")).body).toEqual({ presence: "auto", uv: "on" });
    expect(await registerWithUv(serve)).toEqual({ status: 201, verified: true });

    const pinky = await serve.call("PUT", "/v1/user", { json: { uv: "finger:pinky" } });
    expect(pinky.status).toBe(200);
    expect(pinky.body).toEqual({ presence: "auto", uv: "finger:pinky" });
    // A finger the sensor does not hold: built-in UV fails; the client has no PIN to fall back on.
    const refused = await registerWithUv(serve);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("NotAllowedError");

    expect((await serve.call("PUT", "/v1/user", { json: { uv: "finger:thumb", enrollSamples: ["fp-too-fast"] } })).body).toEqual({
      presence: "auto",
      uv: "finger:thumb",
      enrollSamples: ["fp-too-fast"],
    });
    expect(await registerWithUv(serve)).toEqual({ status: 201, verified: true });

    const bad = await serve.call("PUT", "/v1/user", { json: { uv: "thumb" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/unknown built-in UV mode "thumb"/);
    expect((await serve.call("PUT", "/v1/user", { json: { finger: "thumb" } })).status).toBe(400);
    expect((await serve.call("PUT", "/v1/user", { json: { enrollSamples: ["fp-sideways"] } })).body.error.message).toMatch(/unknown enrollment sample status/);
    // Nothing bad was applied.
    expect((await serve.call("GET", "/v1/user")).body.uv).toBe("finger:thumb");
  });
});
