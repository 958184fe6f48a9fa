import { signWithCredentialKey } from "../credentialKeys.js";
import type { AttestationInput, AttestationStatement } from "./types.js";

/**
 * "packed" self attestation (WebAuthn section 8.2): the new credential signs
 * authData || clientDataHash with its own private key, and there is no x5c.
 */
export function packedSelfAttestation(input: AttestationInput): AttestationStatement {
  const signed = new Uint8Array(input.authData.length + input.clientDataHash.length);
  signed.set(input.authData, 0);
  signed.set(input.clientDataHash, input.authData.length);
  return {
    fmt: "packed",
    attStmt: new Map<string, unknown>([
      ["alg", input.alg],
      ["sig", signWithCredentialKey(input.alg, input.credentialKey, signed)],
    ]),
  };
}
