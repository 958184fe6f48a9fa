/**
 * `softkey population serve --http` through the real binary: two services with
 * one seed and nothing else in common answer for the same users, as two
 * generator machines would; a real RP verifies what they make.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "../cli/run.js";
import { RunningServes, spawnListening, type ServeChild } from "../helpers/serveChild.js";

const SEED = "population service seed, 32 bytes";
const ORIGIN = "http://localhost:9000";
const running = new RunningServes<ServeChild>();
let dir: string;
let a: { serve: ServeChild; url: string; token: string };
let b: { serve: ServeChild; url: string; token: string };

async function start(name: string, extra: string[] = []) {
  const tokenFile = path.join(dir, `${name}.token`);
  const serve = running.add(await spawnListening(["population", "serve", "--size", "1000", "--http", "127.0.0.1:0", "--token-file", tokenFile, ...extra], { SOFTKEY_POPULATION_SEED: SEED }));
  return { serve, url: `http://${serve.listening[0]!.slice("http:".length)}`, token: readFileSync(tokenFile, "utf8").trim(), tokenFile };
}

async function call(service: { url: string; token: string }, method: string, route: string, body?: unknown, token: string | null = service.token) {
  const response = await fetch(`${service.url}${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(path.join(tmpdir(), "softkey-population-serve-"));
  [a, b] = await Promise.all([start("a"), start("b", ["--quiet"])]);
});
afterAll(async () => {
  await running.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe("softkey population serve --http", () => {
  it("registers on one service and signs in on the other; the RP verifies both", async () => {
    const options = await generateRegistrationOptions({ rpName: "x", rpID: "localhost", userName: "user7", authenticatorSelection: { residentKey: "required" } });
    const created = await call(a, "POST", "/v1/registrations", { user: 7, origin: ORIGIN, options });
    expect(created.status).toBe(201);
    const registration = await verifyRegistrationResponse({ response: created.body, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: "localhost" });
    expect(registration.verified).toBe(true);
    const credential = registration.registrationInfo!.credential;

    for (const allow of [true, false]) {
      const request = await generateAuthenticationOptions({ rpID: "localhost", ...(allow ? { allowCredentials: [{ id: credential.id }] } : {}) });
      const asserted = await call(b, "POST", "/v1/assertions", { origin: ORIGIN, options: request, ...(allow ? {} : { user: 7, userHandle: options.user.id }) });
      expect(asserted.status, JSON.stringify(asserted.body)).toBe(200);
      const verification = await verifyAuthenticationResponse({ response: asserted.body, expectedChallenge: request.challenge, expectedOrigin: ORIGIN, expectedRPID: "localhost", credential });
      expect(verification.verified).toBe(true);
    }
  });

  it("users and settings, never the seed", async () => {
    const info = await call(a, "GET", "/v1/info");
    expect(info.body).toMatchObject({ size: 1000, algorithm: "ES256", counter: "zero" });
    const user = await call(b, "GET", "/v1/users/12");
    expect(user.body).toMatchObject({ user: 12, name: "user12", displayName: "User 12" });
    expect((await call(a, "GET", "/v1/users/12")).body).toEqual(user.body);
    expect(a.serve.stdout() + a.serve.stderr() + JSON.stringify(info.body)).not.toContain(SEED);
  });

  it("errors as JSON: no token 401, a caller's mistake 400, a credential it does not hold 422", async () => {
    expect((await call(a, "GET", "/v1/info", undefined, null)).status).toBe(401);
    expect((await call(a, "GET", "/v1/users/1000")).body.error).toMatchObject({ code: "invalid_request", message: expect.stringMatching(/0 to 999/) });
    const request = await generateAuthenticationOptions({ rpID: "localhost" });
    const noUser = await call(a, "POST", "/v1/assertions", { origin: ORIGIN, options: request });
    expect(noUser.status).toBe(400);
    const foreign = await generateAuthenticationOptions({ rpID: "localhost", allowCredentials: [{ id: Buffer.alloc(40, 7).toString("base64url") }] });
    const refused = await call(a, "POST", "/v1/assertions", { origin: ORIGIN, options: foreign });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "NotAllowedError", ctapStatus: "CTAP2_ERR_NO_CREDENTIALS" });
    const wrongOrigin = await call(a, "POST", "/v1/assertions", { origin: "https://evil.example", options: request, user: 1 });
    expect(wrongOrigin.status).toBe(403);
    expect((await call(a, "POST", "/v1/assertions", { origin: ORIGIN, options: request, user: 1, extra: 1 })).status).toBe(400);
  });

  it("SIGTERM: exit 0, the token file is removed", async () => {
    const c = await start("c");
    expect((await c.serve.stop("SIGTERM")).code).toBe(0);
    expect(existsSync(c.tokenFile)).toBe(false);
  });
});
