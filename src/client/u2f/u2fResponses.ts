/**
 * A U2F key's answers turned into what a CTAP2 authenticator would have
 * answered, as Chrome converts them (device/fido: AuthenticatorMakeCredential
 * Response::CreateFromU2fRegisterResponse, AuthenticatorGetAssertionResponse::
 * CreateFromU2fSignResponse), so the rest of the ceremony cannot tell them
 * apart:
 *
 *  - registration: authenticator data with rpIdHash = the application
 *    parameter, flags UP and AT, counter 0, a zero AAGUID, the key handle as
 *    credential ID and the user public key as an ES256 COSE key; the
 *    attestation statement "fido-u2f" (WebAuthn L3 section 8.6) carries the
 *    key's signature and its one attestation certificate;
 *  - assertion: rpIdHash = the application parameter, the key's user
 *    presence byte as flags, its counter, and its signature.
 */
import type { CborValue } from "../../ctap/cbor.js";
import { encodeAuthenticatorData } from "../../ctap/authenticatorData.js";
import { encodeEc2PublicKey } from "../../ctap/cose.js";
import type { GetAssertionResponse } from "../ctap/authenticatorGetAssertion.js";
import type { MakeCredentialResponse } from "../ctap/authenticatorMakeCredential.js";
import { malformed } from "../ctap/command.js";

const REGISTER_RESERVED = 0x05;
const POINT_LENGTH = 65;

export function registrationFromU2f(application: Uint8Array, response: Uint8Array): MakeCredentialResponse {
  const bad = (detail: string) => malformed("authenticatorMakeCredential", `U2F_REGISTER response: ${detail}`);
  if (response[0] !== REGISTER_RESERVED) throw bad("it does not start with the reserved byte 0x05");
  const point = response.subarray(1, 1 + POINT_LENGTH);
  if (point.length !== POINT_LENGTH || point[0] !== 0x04) throw bad("the user public key is not an uncompressed P-256 point");
  const keyHandleLength = response[1 + POINT_LENGTH];
  if (keyHandleLength === undefined || keyHandleLength === 0) throw bad("no key handle");
  const certificateStart = 2 + POINT_LENGTH + keyHandleLength;
  const keyHandle = response.slice(2 + POINT_LENGTH, certificateStart);
  const certificateLength = derLength(response, certificateStart);
  if (keyHandle.length !== keyHandleLength || certificateLength === undefined) throw bad("cut short before the attestation certificate ends");
  const certificate = response.slice(certificateStart, certificateStart + certificateLength);
  const signature = response.slice(certificateStart + certificateLength);
  if (signature.length === 0) throw bad("no signature");
  const authData = encodeAuthenticatorData({
    rpIdHash: application,
    userPresent: true,
    userVerified: false,
    signCount: 0,
    attestedCredentialData: {
      aaguid: new Uint8Array(16),
      credentialId: keyHandle,
      credentialPublicKey: encodeEc2PublicKey(point.slice(1, 33), point.slice(33, 65)),
    },
  });
  return {
    fmt: "fido-u2f",
    authData,
    attStmt: new Map<string, CborValue>([
      ["sig", signature],
      ["x5c", [certificate]],
    ]),
  };
}

export function assertionFromU2f(application: Uint8Array, keyHandle: Uint8Array, response: Uint8Array): GetAssertionResponse {
  if (response.length < 6) throw malformed("authenticatorGetAssertion", "U2F_AUTHENTICATE response: cut short");
  const authData = new Uint8Array(37);
  authData.set(application, 0);
  authData.set(response.subarray(0, 5), 32);
  return { credential: { type: "public-key", id: keyHandle }, authData, signature: response.slice(5) };
}

/** The length of the DER element (tag, length, value) at `offset`, when all of it is there. */
function derLength(bytes: Uint8Array, offset: number): number | undefined {
  if (bytes[offset] !== 0x30) return undefined;
  const first = bytes[offset + 1];
  if (first === undefined) return undefined;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const count = first & 0x7f;
    if (count === 0 || count > 3 || offset + 2 + count > bytes.length) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
    header = 2 + count;
  }
  return offset + header + length <= bytes.length ? header + length : undefined;
}
