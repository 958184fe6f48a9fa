import type { CborValue } from "../../ctap/cbor.js";
import { CoseAlgorithm } from "../../ctap/cose.js";
import { signWithCredentialKey } from "../credentialKeys.js";
import type { AttestationInput, AttestationStatement } from "./types.js";
import type { SigningKey } from "../algorithms/index.js";

/**
 * "packed" self attestation (WebAuthn section 8.2): the new credential signs
 * authData || clientDataHash with its own private key, and there is no x5c.
 */
export function packedSelfAttestation(input: AttestationInput): AttestationStatement {
  return {
    fmt: "packed",
    attStmt: new Map<string, CborValue>([
      ["alg", input.alg],
      ["sig", signWithCredentialKey(input.alg, input.credentialKey, signedData(input))],
    ]),
  };
}

/** An attestation key (P-256) and the chain that certifies it, leaf first, root left out. */
export interface AttestationSigner {
  /** Signs as a credential key does (signWithCredentialKey): RFC 6979 when deterministic mode parsed it. */
  privateKey: SigningKey;
  x5c: Uint8Array[];
}

/**
 * "packed" full (basic) attestation (WebAuthn section 8.2): the attestation
 * key signs authData || clientDataHash with ES256, and x5c carries its
 * certificate followed by the intermediates up to (not including) the root.
 */
export function packedFullAttestation(input: AttestationInput, signer: AttestationSigner): AttestationStatement {
  return {
    fmt: "packed",
    attStmt: new Map<string, CborValue>([
      ["alg", CoseAlgorithm.ES256],
      ["sig", signWithCredentialKey(CoseAlgorithm.ES256, signer.privateKey, signedData(input))],
      ["x5c", signer.x5c],
    ]),
  };
}

function signedData(input: AttestationInput): Uint8Array {
  const signed = new Uint8Array(input.authData.length + input.clientDataHash.length);
  signed.set(input.authData, 0);
  signed.set(input.clientDataHash, input.authData.length);
  return signed;
}
