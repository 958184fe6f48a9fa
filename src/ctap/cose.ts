/**
 * COSE identifiers and COSE_Key encoding (RFC 9052/9053), as WebAuthn uses them
 * for credential public keys: one place for every key type softkey makes.
 */
import { encodeCanonical } from "./cbor.js";

/**
 * COSE algorithm identifiers (IANA "COSE Algorithms": RFC 9053, RFC 9864's
 * fully specified ESP256/ESP384/ESP512/Ed25519/Ed448, and the ML-DSA
 * identifiers of draft-ietf-cose-dilithium) that softkey makes keys for.
 */
export const CoseAlgorithm = {
  ES256: -7,
  EdDSA: -8,
  /** RFC 9864: ECDSA with P-256 and SHA-256, the curve fixed by the identifier. */
  ESP256: -9,
  /** RFC 9864: EdDSA with Ed25519 only. */
  Ed25519: -19,
  ES384: -35,
  ES512: -36,
  ML_DSA_44: -48,
  ML_DSA_65: -49,
  ML_DSA_87: -50,
  ESP384: -51,
  ESP512: -52,
  /** RFC 9864: EdDSA with Ed448 only. */
  Ed448: -53,
  RS256: -257,
} as const;
export type CoseAlgorithmId = (typeof CoseAlgorithm)[keyof typeof CoseAlgorithm];

/** COSE key types (RFC 9053; AKP, the "algorithm key pair" type of draft-ietf-cose-dilithium). */
export const CoseKeyType = { OKP: 1, EC2: 2, RSA: 3, AKP: 7 } as const;
/** COSE elliptic curves (RFC 9053 table 18). */
export const CoseCurve = { P256: 1, P384: 2, P521: 3, Ed25519: 6, Ed448: 7 } as const;

/** COSE key parameter labels. */
const KTY = 1;
const ALG = 3;
const CRV = -1;
const X = -2;
const Y = -3;
/** RSA (RFC 8230): modulus and public exponent. */
const N = -1;
const E = -2;
/** AKP: the public key bytes. */
const PUB = -1;
/** The COSE_Key "alg" label, for readers of keys made elsewhere. */
export { ALG as COSE_KEY_ALG };

export function encodeEc2PublicKey(x: Uint8Array, y: Uint8Array, alg: number = CoseAlgorithm.ES256, crv: number = CoseCurve.P256): Uint8Array {
  return encodeCanonical(
    new Map<number, unknown>([
      [KTY, CoseKeyType.EC2],
      [ALG, alg],
      [CRV, crv],
      [X, x],
      [Y, y],
    ]),
  );
}

export function encodeOkpPublicKey(x: Uint8Array, alg: number = CoseAlgorithm.EdDSA, crv: number = CoseCurve.Ed25519): Uint8Array {
  return encodeCanonical(
    new Map<number, unknown>([
      [KTY, CoseKeyType.OKP],
      [ALG, alg],
      [CRV, crv],
      [X, x],
    ]),
  );
}

/** RFC 8230 section 4: n and e as unsigned big-endian byte strings without leading zeros. */
export function encodeRsaPublicKey(n: Uint8Array, e: Uint8Array, alg: number = CoseAlgorithm.RS256): Uint8Array {
  return encodeCanonical(
    new Map<number, unknown>([
      [KTY, CoseKeyType.RSA],
      [ALG, alg],
      [N, n],
      [E, e],
    ]),
  );
}

/** draft-ietf-cose-dilithium: kty AKP, the ML-DSA algorithm, and the encoded public key as pub. */
export function encodeAkpPublicKey(pub: Uint8Array, alg: number): Uint8Array {
  return encodeCanonical(
    new Map<number, unknown>([
      [KTY, CoseKeyType.AKP],
      [ALG, alg],
      [PUB, pub],
    ]),
  );
}

const NAMES = new Map<number, string>([
  [CoseAlgorithm.ES256, "ES256"],
  [CoseAlgorithm.EdDSA, "EdDSA"],
  [CoseAlgorithm.ESP256, "ESP256"],
  [CoseAlgorithm.Ed25519, "Ed25519"],
  [CoseAlgorithm.ES384, "ES384"],
  [CoseAlgorithm.ES512, "ES512"],
  [CoseAlgorithm.ML_DSA_44, "ML-DSA-44"],
  [CoseAlgorithm.ML_DSA_65, "ML-DSA-65"],
  [CoseAlgorithm.ML_DSA_87, "ML-DSA-87"],
  [CoseAlgorithm.ESP384, "ESP384"],
  [CoseAlgorithm.ESP512, "ESP512"],
  [CoseAlgorithm.Ed448, "Ed448"],
  [CoseAlgorithm.RS256, "RS256"],
]);

export function algorithmName(alg: number): string {
  return NAMES.get(alg) ?? `COSE ${alg}`;
}

/** The identifier of an algorithm name as algorithmName() writes it (case-insensitive), or undefined. */
export function algorithmByName(name: string): number | undefined {
  for (const [alg, known] of NAMES) if (known.toLowerCase() === name.toLowerCase()) return alg;
  return undefined;
}
