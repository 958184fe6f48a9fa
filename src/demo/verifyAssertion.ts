/**
 * A tiny relying-party check of an assertion, the way a server verifies a
 * sign-in (WebAuthn L3 section 7.2, "Verifying an Authentication
 * Assertion"), using node:crypto only. It deliberately shares no code with
 * softkey's client or core: it is the independent second opinion the demo
 * shows. Real relying parties should use a maintained library.
 */
import { createHash, createPublicKey, timingSafeEqual, verify, type KeyObject } from "node:crypto";

/** The fields of an AuthenticationResponseJSON this check reads. */
export interface AssertionJSON {
  id: string;
  type: string;
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    signature: string;
    userHandle?: string;
  };
}

export interface ExpectedAssertion {
  /** base64url challenge the RP issued for this sign-in. */
  challenge: string;
  origin: string;
  rpId: string;
  /** The credential's public key as SubjectPublicKeyInfo DER (the registration response's `response.publicKey`). */
  publicKeySpki: Uint8Array;
  /** The credential ID registered (base64url). */
  credentialId: string;
  /** The counter the RP stored at registration or the last sign-in. */
  previousSignCount: number;
  /** The user handle registered (base64url), checked when the assertion carries one. */
  userHandle?: string;
  requireUserVerification?: boolean;
}

export interface AssertionCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface AssertionVerification {
  verified: boolean;
  checks: AssertionCheck[];
  flags: { userPresent: boolean; userVerified: boolean; backupEligible: boolean; backedUp: boolean };
  signCount: number;
  rpIdHash: Uint8Array;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;

export function verifyAssertion(assertion: AssertionJSON, expected: ExpectedAssertion): AssertionVerification {
  const checks: AssertionCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  const clientDataBytes = Buffer.from(assertion.response.clientDataJSON, "base64url");
  const authData = Buffer.from(assertion.response.authenticatorData, "base64url");
  const signature = Buffer.from(assertion.response.signature, "base64url");

  check("credential", assertion.type === "public-key" && assertion.id === expected.credentialId,
    assertion.id === expected.credentialId ? `the registered credential ${assertion.id}` : `unknown credential ${assertion.id}`);

  let clientData: { type?: unknown; challenge?: unknown; origin?: unknown; crossOrigin?: unknown } = {};
  try {
    clientData = JSON.parse(clientDataBytes.toString("utf8")) as typeof clientData;
  } catch {
    check("clientDataJSON", false, "does not parse as JSON");
  }
  check("type", clientData.type === "webauthn.get", `clientData.type is ${JSON.stringify(clientData.type)}`);
  check("challenge", clientData.challenge === expected.challenge,
    clientData.challenge === expected.challenge ? "clientData.challenge is the one issued" : `clientData.challenge ${JSON.stringify(clientData.challenge)} was not issued`);
  check("origin", clientData.origin === expected.origin, `clientData.origin is ${JSON.stringify(clientData.origin)}`);
  if (clientData.crossOrigin === true) check("crossOrigin", false, "the assertion was made in a cross-origin iframe");

  const expectedRpIdHash = sha256(Buffer.from(expected.rpId, "utf8"));
  const wellFormed = authData.length >= 37;
  if (!wellFormed) check("authenticatorData", false, `only ${authData.length} bytes; at least 37 expected`);
  const rpIdHash = wellFormed ? authData.subarray(0, 32) : Buffer.alloc(32);
  const flagsByte = wellFormed ? authData[32]! : 0;
  const signCount = wellFormed ? authData.readUInt32BE(33) : 0;
  const flags = {
    userPresent: (flagsByte & FLAG_UP) !== 0,
    userVerified: (flagsByte & FLAG_UV) !== 0,
    backupEligible: (flagsByte & FLAG_BE) !== 0,
    backedUp: (flagsByte & FLAG_BS) !== 0,
  };
  check("rpIdHash", wellFormed && timingSafeEqual(rpIdHash, expectedRpIdHash),
    `authenticatorData.rpIdHash ${wellFormed && rpIdHash.equals(expectedRpIdHash) ? "matches" : "does not match"} SHA-256("${expected.rpId}")`);
  check("user present", flags.userPresent, `UP flag ${flags.userPresent ? "set" : "not set"}`);
  check(
    "user verified",
    flags.userVerified || !expected.requireUserVerification,
    `UV flag ${flags.userVerified ? "set" : "not set"}${expected.requireUserVerification ? "" : " (not required)"}`,
  );
  // Section 7.2 step 22: both zero means the authenticator keeps no counter; otherwise it must grow.
  const counterOk = (signCount === 0 && expected.previousSignCount === 0) || signCount > expected.previousSignCount;
  check("counter", counterOk, `signCount ${signCount} after ${expected.previousSignCount}: ${counterOk ? "increased" : "did not increase, possibly a cloned authenticator"}`);
  if (assertion.response.userHandle !== undefined && expected.userHandle !== undefined) {
    check("user handle", assertion.response.userHandle === expected.userHandle, `userHandle ${assertion.response.userHandle}`);
  }

  let signatureOk = false;
  let signatureDetail: string;
  try {
    const key = createPublicKey({ key: Buffer.from(expected.publicKeySpki), format: "der", type: "spki" });
    const signedData = Buffer.concat([authData, sha256(clientDataBytes)]);
    signatureOk = verify(digestFor(key), signedData, key, signature);
    signatureDetail = `${signatureAlgorithmName(key)} over authenticatorData || SHA-256(clientDataJSON) ${signatureOk ? "verifies" : "does NOT verify"} with the registered public key`;
  } catch (error) {
    signatureDetail = `could not be checked: ${(error as Error).message}`;
  }
  check("signature", signatureOk, signatureDetail);

  return { verified: checks.every((c) => c.ok), checks, flags, signCount, rpIdHash: new Uint8Array(rpIdHash) };
}

/** EdDSA signs the message itself (no separate digest); ECDSA and RSA use SHA-256 for ES256/RS256. */
function digestFor(key: KeyObject): string | null {
  return key.asymmetricKeyType === "ed25519" || key.asymmetricKeyType === "ed448" ? null : "sha256";
}

function signatureAlgorithmName(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case "ec":
      return `ECDSA ${key.asymmetricKeyDetails?.namedCurve ?? ""} with SHA-256`.replace("  ", " ");
    case "ed25519":
      return "Ed25519";
    case "rsa":
      return "RSASSA-PKCS1-v1_5 with SHA-256";
    default:
      return String(key.asymmetricKeyType);
  }
}

function sha256(data: Uint8Array): Buffer {
  return createHash("sha256").update(data).digest();
}
