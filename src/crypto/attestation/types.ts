import type { SigningKey } from "../algorithms/index.js";
import type { CborMap } from "../../ctap/cbor.js";

/** What an attestation statement format needs to sign a new credential. */
export interface AttestationInput {
  authData: Uint8Array;
  clientDataHash: Uint8Array;
  /** The new credential's private key and COSE algorithm (for self attestation). */
  credentialKey: SigningKey;
  alg: number;
}

export interface AttestationStatement {
  fmt: string;
  /** attStmt as a map with text keys, ready for canonical CBOR. */
  attStmt: CborMap;
}

export type AttestationFormat = (input: AttestationInput) => AttestationStatement;
