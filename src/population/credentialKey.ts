/**
 * A population credential's key pair, derived from the seed, the RP ID and
 * the credential's source (credentialId.ts), so each credential has its own
 * key and any generator makes the same one:
 *
 *   okm = HMAC-SHA-512(credentialKeys, rpIdHash || source)
 *   ES256: the private scalar from okm's first 48 bytes (p256ScalarFrom); EdDSA: okm's first 32 bytes are the seed
 *
 * Signing goes through node:crypto. A KeyObject is the expensive part of a
 * sign-in by a user not seen lately (parsing, and OpenSSL's first use of the
 * key, cost several signatures), so callers keep recent ones in a bounded cache.
 */
import { createHmac, type KeyObject } from "node:crypto";
import { CoseAlgorithm, encodeEc2PublicKey } from "../ctap/cose.js";
import { p256PublicPoint, p256ScalarFrom } from "../crypto/credentialKeys.js";
import { p256KeyObject } from "../crypto/keyEncoding.js";
import { credentialAlgorithm } from "../crypto/algorithms/index.js";
import type { PopulationSecrets } from "./secrets.js";

export interface CredentialKeyPair {
  alg: number;
  /** To sign with (signWithCredentialKey). */
  privateKey: KeyObject;
  /** The COSE_Key, as authenticator data carries it. */
  publicKey: Uint8Array;
}

function keyMaterial(secrets: PopulationSecrets, rpIdHash: Uint8Array, source: Uint8Array): Buffer {
  return createHmac("sha512", secrets.credentialKeys).update(rpIdHash).update(source).digest();
}

/** The key pair: registration needs both halves. Made by the algorithm's own derivation (crypto/algorithms/), as the core makes keys. */
export function deriveKeyPair(secrets: PopulationSecrets, rpIdHash: Uint8Array, source: Uint8Array, alg: number): CredentialKeyPair {
  if (alg !== CoseAlgorithm.ES256 && alg !== CoseAlgorithm.EdDSA) throw new RangeError(`a population credential is ES256 or EdDSA, not COSE ${alg}`);
  const okm = keyMaterial(secrets, rpIdHash, source);
  const algorithm = credentialAlgorithm(alg);
  const { keyPair, signingKey } = algorithm.derive(okm.subarray(0, algorithm.materialLength));
  okm.fill(0);
  return { alg, privateKey: signingKey as KeyObject, publicKey: keyPair.publicKey };
}

/** The private key alone (a sign-in by a user not in the cache): no COSE encoding. */
export function deriveSigningKey(secrets: PopulationSecrets, rpIdHash: Uint8Array, source: Uint8Array, alg: number): KeyObject {
  if (alg !== CoseAlgorithm.ES256) return deriveKeyPair(secrets, rpIdHash, source, alg).privateKey;
  const okm = keyMaterial(secrets, rpIdHash, source);
  const d = p256ScalarFrom(okm);
  okm.fill(0);
  return p256KeyObject({ d, point: p256PublicPoint(d) });
}

/** The COSE public key alone (the export): for ES256 no KeyObject is made, which is most of a key's cost. */
export function derivePublicKey(secrets: PopulationSecrets, rpIdHash: Uint8Array, source: Uint8Array, alg: number): Uint8Array {
  if (alg !== CoseAlgorithm.ES256) return deriveKeyPair(secrets, rpIdHash, source, alg).publicKey;
  const okm = keyMaterial(secrets, rpIdHash, source);
  const point = p256PublicPoint(p256ScalarFrom(okm));
  okm.fill(0);
  return encodeEc2PublicKey(point.slice(1, 33), point.slice(33, 65));
}
