/**
 * Attestation conveyance (WebAuthn L3 section 5.4.7 and the "none" branch of
 * section 5.1.3): what the client hands the RP of the attestation the
 * authenticator produced.
 *
 * For "none", a statement other than self attestation becomes fmt "none"
 * with an empty attStmt. WebAuthn Level 2 also replaced the AAGUID with zeros;
 * Level 3 dropped that step. Browsers differ: Chrome still zeroes it for
 * security keys but keeps it for platform and hybrid authenticators, and
 * Firefox keeps it. `aaguid: "zero"` gives Chrome's security-key behaviour;
 * "keep" gives Level 3's.
 */
import type { CborMap } from "../ctap/cbor.js";
import { AAGUID_OFFSET, withZeroAaguid } from "../ctap/authenticatorData.js";
import type { AttestationConveyance } from "./optionsJSON.js";

export interface AttestationResult {
  fmt: string;
  attStmt: CborMap;
  authData: Uint8Array;
}

export function conveyAttestation(
  result: AttestationResult,
  conveyance: AttestationConveyance,
  aaguid: "zero" | "keep",
): AttestationResult {
  // "indirect" MAY be anonymized; like Chrome we pass it through, as for "direct" and "enterprise".
  if (conveyance !== "none" || isSelfAttestation(result)) return result;
  return {
    fmt: "none",
    attStmt: new Map(),
    authData: aaguid === "zero" ? withZeroAaguid(result.authData) : result.authData,
  };
}

/** Section 5.1.3: packed without x5c and a zero AAGUID is self attestation, which identifies nothing. */
export function isSelfAttestation(result: AttestationResult): boolean {
  const aaguid = result.authData.subarray(AAGUID_OFFSET, AAGUID_OFFSET + 16);
  return result.fmt === "packed" && !result.attStmt.has("x5c") && aaguid.length === 16 && aaguid.every((b) => b === 0);
}
