/**
 * WebAuthn L3's attestationFormats reaching the key as CTAP 2.2's
 * attestationFormatsPreference: the key answers with the first format it
 * makes; a CTAP 2.1 key is not sent the member; attestation "none" sends none.
 */
import { afterEach, describe, expect, it } from "vitest";
import { verifyRegistrationResponse } from "@simplewebauthn/server";
import { decodeCbor } from "../../src/ctap/cbor.js";
import { WebAuthnClient } from "../../src/client/index.js";
import { openSoftkey, origin, RecordingTransport, registrationOptions, rpID, type TestSoftkey } from "./helpers.js";

let t: TestSoftkey | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function createWith(attestation: string, attestationFormats: string[], profile?: string) {
  t = await openSoftkey({}, profile ? { profile } : {});
  const recording = new RecordingTransport(t.key.authenticator);
  const options = await registrationOptions({ attestationType: attestation as "direct" | "none" });
  const response = await new WebAuthnClient(recording).create({ ...options, attestation, attestationFormats }, { origin });
  const sent = recording.requests.find((r) => r.command === 0x01)!.params!.get(0x0b);
  const fmt = (decodeCbor(Buffer.from(response.response.attestationObject, "base64url")) as Map<string, unknown>).get("fmt");
  const verification = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false });
  await t.close();
  t = undefined;
  return { sent, fmt, verified: verification.verified };
}

describe("attestationFormats (WebAuthn L3 section 5.4) to attestationFormatsPreference (CTAP 2.2)", () => {
  it("the key picks the first format it makes from the RP's list", async () => {
    expect(await createWith("direct", ["tpm", "none", "packed"])).toEqual({ sent: ["tpm", "none", "packed"], fmt: "none", verified: true });
    expect(await createWith("direct", ["apple", "packed"])).toEqual({ sent: ["apple", "packed"], fmt: "packed", verified: true });
  });

  it("is not sent to a CTAP 2.1 key, nor when the RP wants no attestation", async () => {
    expect((await createWith("direct", ["none"], "platform-passkey")).sent).toBeUndefined();
    expect((await createWith("none", ["packed"])).sent).toBeUndefined();
  });
});
