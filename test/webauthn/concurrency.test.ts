/**
 * One WebAuthn client, many ceremonies at once (as the HTTP service and the
 * Playwright integration drive it): with user verification every ceremony
 * takes its own pinUvAuthToken over several CTAP round trips, so they must not
 * interleave; counters come back distinct and increasing.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAuthenticationOptions, generateRegistrationOptions, verifyRegistrationResponse } from "@simplewebauthn/server";
import { Softkey } from "../../src/softkey.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";

const origin = "https://example.com";
let dir: string;
let key: Softkey;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "softkey-concurrency-"));
  key = await Softkey.init(join(dir, "store"), "x", { scrypt: TEST_SCRYPT });
});
afterEach(async () => {
  await key.close();
  rmSync(dir, { recursive: true, force: true });
});

it("50 parallel sign-ins with required UV all succeed with distinct, increasing counters", async () => {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: "alice" });
  const registration = await verifyRegistrationResponse({
    response: await key.create(options, { origin }),
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: "example.com",
  });
  const id = registration.registrationInfo!.credential.id;
  const runs = await Promise.all(
    Array.from({ length: 50 }, async () => {
      const request = await generateAuthenticationOptions({ rpID: "example.com", userVerification: "required", allowCredentials: [{ id }] });
      const assertion = await key.get(request, { origin });
      return Buffer.from(assertion.response.authenticatorData, "base64url");
    }),
  );
  const counters = runs.map((authData) => authData.readUInt32BE(33));
  expect(runs.every((authData) => (authData[32]! & 0x05) === 0x05)).toBe(true); // UP and UV
  expect(new Set(counters).size).toBe(50);
  expect(counters).toEqual([...counters].sort((a, b) => a - b));
});

it("a timeout beyond what a timer can hold is clamped, not fired at once", async () => {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: "bob", timeout: 1e308 });
  await expect(key.create(options, { origin })).resolves.toMatchObject({ type: "public-key" });
});
