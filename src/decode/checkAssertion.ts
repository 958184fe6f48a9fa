/**
 * `softkey decode AUTH --registration REG`: does this assertion verify with
 * the credential that registration created? The relying party's signature
 * step (WebAuthn L3 section 7.2, steps 20-21: the signature over
 * authenticatorData || SHA-256(clientDataJSON) with the credential public
 * key from the registration's attested credential data), with the checks
 * that tie the two together: the same credential ID and the same rpIdHash,
 * and whether the counter moved on (step 22). Challenge and origin are the
 * RP's to know, so they are shown, not judged.
 */
import { createHash } from "node:crypto";
import { toBase64Url } from "../bytes/base64url.js";
import { bytesEqual } from "../bytes/equal.js";
import { toHex } from "../bytes/hex.js";
import { COSE_KEY_ALG } from "../ctap/cose.js";
import {
  bytesMember,
  coseAlgorithmName,
  decodeAttestationObject,
  parseAuthData,
  parseJson,
  ResponseDecodeError,
  verifyWithCoseKey,
} from "./decodeResponse.js";

export interface AssertionCheck {
  /** True when the signature verifies, the credential IDs match and the rpIdHashes match. */
  verified: boolean;
  credentialId: { assertion: string; registration: string; matches: boolean };
  rpIdHash: { assertion: string; registration: string; matches: boolean };
  signature: { valid: boolean; algorithm: string; detail: string };
  /** Step 22: both 0 means the authenticator keeps no counter; otherwise the assertion's must be greater. */
  signCount: { registration: number; assertion: number; ok: boolean };
}

export function checkAssertion(assertionText: string, registrationText: string): AssertionCheck {
  const assertion = responseOf(parseJson(assertionText), "the assertion");
  const registration = responseOf(parseJson(registrationText), "the registration");
  if (registration.response.attestationObject === undefined) throw new ResponseDecodeError("--registration: not a RegistrationResponseJSON (no response.attestationObject)");
  if (assertion.response.signature === undefined) throw new ResponseDecodeError("not an AuthenticationResponseJSON (no response.signature)");

  const attestationObject = decodeAttestationObject(bytesMember(registration.response, "attestationObject", "--registration: response.attestationObject"));
  const registered = parseAuthData(attestationObject.authData, "--registration: attestationObject.authData");
  const attested = registered.attestedCredentialData;
  if (!attested) throw new ResponseDecodeError("--registration: attestationObject.authData has no attested credential data (AT flag clear)");

  const authData = bytesMember(assertion.response, "authenticatorData", "response.authenticatorData");
  const clientDataJSON = bytesMember(assertion.response, "clientDataJSON", "response.clientDataJSON");
  const signatureBytes = bytesMember(assertion.response, "signature", "response.signature");
  const asserted = parseAuthData(authData, "response.authenticatorData");

  const alg = attested.cosePublicKey.get(COSE_KEY_ALG);
  const algorithm = typeof alg === "number" ? coseAlgorithmName(alg).name : "unknown";
  let signature: AssertionCheck["signature"];
  try {
    const signed = Buffer.concat([authData, createHash("sha256").update(clientDataJSON).digest()]);
    const valid = verifyWithCoseKey(attested.cosePublicKey, typeof alg === "number" ? alg : undefined, signed, signatureBytes);
    signature = {
      valid,
      algorithm,
      detail: `${algorithm} over authenticatorData || SHA-256(clientDataJSON) ${valid ? "verifies" : "does NOT verify"} with the registered credential public key`,
    };
  } catch (cause) {
    signature = { valid: false, algorithm, detail: `could not be checked: ${(cause as Error).message}` };
  }

  const registeredId = toBase64Url(attested.credentialId);
  const assertedId = typeof assertion.rawId === "string" ? assertion.rawId : String(assertion.id);
  const credentialId = { assertion: assertedId, registration: registeredId, matches: canonical(assertedId) === registeredId };
  const rpIdHash = { assertion: toHex(asserted.rpIdHash), registration: toHex(registered.rpIdHash), matches: bytesEqual(asserted.rpIdHash, registered.rpIdHash) };
  const counterOk = (asserted.signCount === 0 && registered.signCount === 0) || asserted.signCount > registered.signCount;
  return {
    verified: signature.valid && credentialId.matches && rpIdHash.matches,
    credentialId,
    rpIdHash,
    signature,
    signCount: { registration: registered.signCount, assertion: asserted.signCount, ok: counterOk },
  };
}

interface ResponseJSON {
  id?: unknown;
  rawId?: unknown;
  response: Record<string, unknown>;
}

function responseOf(value: unknown, what: string): ResponseJSON {
  const object = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  const response = object?.response;
  if (!object || typeof response !== "object" || response === null) throw new ResponseDecodeError(`${what} is not a response JSON (no "response" object)`);
  return { id: object.id, rawId: object.rawId, response: response as Record<string, unknown> };
}

function canonical(id: string): string {
  try {
    return Buffer.from(id, "base64url").toString("base64url");
  } catch {
    return id;
  }
}
