/**
 * COSE identifiers and COSE_Key encoding (RFC 9052/9053), as WebAuthn uses them
 * for credential public keys.
 */
import { encodeCanonical } from "./cbor.js";

export const CoseAlgorithm = { ES256: -7, EdDSA: -8, RS256: -257 } as const;
export type CoseAlgorithmId = (typeof CoseAlgorithm)[keyof typeof CoseAlgorithm];

/** COSE key parameter labels. */
const KTY = 1;
const ALG = 3;
const CRV = -1;
const X = -2;
const Y = -3;
/** The COSE_Key "alg" label, for readers of keys made elsewhere. */
export { ALG as COSE_KEY_ALG };
const KTY_OKP = 1;
const KTY_EC2 = 2;
const CRV_P256 = 1;
const CRV_ED25519 = 6;

export function encodeEc2PublicKey(x: Uint8Array, y: Uint8Array): Uint8Array {
  return encodeCanonical(
    new Map<number, unknown>([
      [KTY, KTY_EC2],
      [ALG, CoseAlgorithm.ES256],
      [CRV, CRV_P256],
      [X, x],
      [Y, y],
    ]),
  );
}

export function encodeOkpPublicKey(x: Uint8Array): Uint8Array {
  return encodeCanonical(
    new Map<number, unknown>([
      [KTY, KTY_OKP],
      [ALG, CoseAlgorithm.EdDSA],
      [CRV, CRV_ED25519],
      [X, x],
    ]),
  );
}

export function algorithmName(alg: number): string {
  switch (alg) {
    case CoseAlgorithm.ES256:
      return "ES256";
    case CoseAlgorithm.EdDSA:
      return "EdDSA";
    case CoseAlgorithm.RS256:
      return "RS256";
    default:
      return `COSE ${alg}`;
  }
}
