/**
 * Credential key pairs: making, loading and signing, for every algorithm in
 * algorithms/ (node:crypto for the classical ones, @noble/post-quantum for
 * ML-DSA), the hot path of every ceremony. Private keys travel as PKCS#8 DER
 * so that the keystore seals plain bytes; signing uses a key parsed once and
 * cached. New keys come from raw randomness, never from generateKeyPairSync
 * (see keyEncoding.ts for why).
 */
import { randomBytes, type KeyObject } from "node:crypto";
import { publicRandomBytes } from "../bytes/random.js";
import { p256 } from "@noble/curves/nist.js";
import { CoseAlgorithm } from "../ctap/cose.js";
import { CREDENTIAL_ALGORITHMS, credentialAlgorithm, isImplementedAlgorithm, type CredentialKeyPair, type KeyMaterial, type SigningKey } from "./algorithms/index.js";
import { ECDSA_CURVES, publicPoint } from "./algorithms/ecdsa.js";
import { decodeEd25519Pkcs8, decodeP256Pkcs8, ed25519KeyObject, ed25519KeyObjectFromSeed, ed25519PublicKey, p256KeyObject, parsePkcs8 } from "./keyEncoding.js";
import { decodeCbor } from "../ctap/cbor.js";

export type { CredentialKeyPair, SigningKey } from "./algorithms/index.js";

/** Every COSE algorithm softkey can make credentials for, in its own preference order; a profile offers a subset. */
export const SUPPORTED_ALGORITHMS: readonly number[] = CREDENTIAL_ALGORITHMS.map((a) => a.alg);

/** What a device offers when nobody says otherwise: ES256, then EdDSA (the default profile's choice since the first release). */
export const DEFAULT_ALGORITHMS: readonly number[] = [CoseAlgorithm.ES256, CoseAlgorithm.EdDSA];

export function isSupportedAlgorithm(alg: number): boolean {
  return isImplementedAlgorithm(alg);
}

/** Length of the credential IDs softkey makes: the store holds every credential, so the ID need not wrap the key. */
export const CREDENTIAL_ID_LENGTH = 32;

/** What a new credential's ID and key pair are made from. */
export interface CredentialRequest {
  alg: number;
  rpId: string;
  userId: Uint8Array;
}

export interface NewCredentialKeys {
  id: Uint8Array;
  keyPair: CredentialKeyPair;
  /** The private key, parsed, for signing the attestation. */
  signingKey: SigningKey;
}

/**
 * Where credential IDs and key pairs come from, and how a stored private key
 * is parsed for signing. The default is random; deterministicKeys.ts derives
 * both from a seed, for fixtures.
 */
export interface CredentialKeyFactory {
  create(request: CredentialRequest): Promise<NewCredentialKeys>;
  /**
   * Parse a stored PKCS#8 key for signing (the core's cache keeps the result); the credential's
   * COSE public key, when given, saves computing it; `alg`, when given, names the algorithm (else the key's layout does).
   */
  load(pkcs8: Uint8Array, publicKey?: Uint8Array, alg?: number): SigningKey;
}

export const randomKeyFactory: CredentialKeyFactory = {
  create(request) {
    const { keyPair, signingKey } = generateKeyMaterial(request.alg);
    return Promise.resolve({ id: publicRandomBytes(CREDENTIAL_ID_LENGTH), keyPair, signingKey });
  },
  load: loadPrivateKey,
};

/** A new key pair from fresh randomness, through the algorithm's own derivation. */
export function generateKeyMaterial(alg: number): KeyMaterial {
  const algorithm = credentialAlgorithm(alg);
  return algorithm.derive(new Uint8Array(randomBytes(algorithm.materialLength)));
}

export function generateCredentialKeyPair(alg: number): CredentialKeyPair {
  return generateKeyMaterial(alg).keyPair;
}

/**
 * A P-256 private scalar in [1, n-1] from 48 uniformly random bytes (at
 * least 64 bits more than the order, as FIPS 186-5 A.2.1 asks: the bias is
 * negligible), never zero. For keys derived from a seed (the population).
 */
export function p256ScalarFrom(okm: Uint8Array): Uint8Array {
  if (okm.length < 48) throw new RangeError("a P-256 scalar needs 48 bytes of key material");
  const n = p256.Point.CURVE().n;
  const scalar = (BigInt(`0x${Buffer.from(okm.buffer, okm.byteOffset, 48).toString("hex")}`) % (n - 1n)) + 1n;
  return Uint8Array.from(Buffer.from(scalar.toString(16).padStart(64, "0"), "hex"));
}

/** The uncompressed public point (0x04 || x || y) of a P-256 scalar, computed by OpenSSL: several times faster than in JavaScript. */
export function p256PublicPoint(d: Uint8Array): Uint8Array {
  return publicPoint(ECDSA_CURVES.P256, d);
}

/** A key pair as the store keeps it, from KeyObjects made elsewhere (an imported credential). */
export function exportKeyPair(alg: number, privateKey: KeyObject): CredentialKeyPair {
  const algorithm = credentialAlgorithm(alg);
  if (!algorithm.fromKeyObject) throw new RangeError(`${algorithm.name} keys cannot be imported from an OpenSSL key`);
  return algorithm.fromKeyObject(privateKey);
}

/** The algorithm of an OpenSSL key among `candidates` (the first that matches), for imports. */
export function algorithmOfKey(privateKey: KeyObject, candidates: readonly number[] = DEFAULT_ALGORITHMS): number | undefined {
  return candidates.find((alg) => credentialAlgorithm(alg).matches?.(privateKey) ?? false);
}

/**
 * Parse a PKCS#8 private key once; callers cache the result. With `alg` the algorithm parses it; without,
 * keys in Node's own P-256 and Ed25519 layouts go to OpenSSL as JWKs (several times cheaper than its DER
 * parser, keyEncoding.ts) and the rest to OpenSSL's parser.
 */
export function loadPrivateKey(pkcs8: Uint8Array, publicKey?: Uint8Array, alg?: number): SigningKey {
  if (alg !== undefined && isImplementedAlgorithm(alg)) return credentialAlgorithm(alg).load(pkcs8, publicKey);
  const p256Key = decodeP256Pkcs8(pkcs8);
  if (p256Key) return p256KeyObject(p256Key);
  const seed = decodeEd25519Pkcs8(pkcs8);
  const x = seed && publicKey && okpX(publicKey);
  if (seed && x) return ed25519KeyObject(seed, x);
  if (seed) return ed25519KeyObjectFromSeed(seed);
  return parsePkcs8(pkcs8);
}

/** The x of an Ed25519 OKP COSE key (RFC 9053: label -2), or undefined for anything else. */
function okpX(coseKey: Uint8Array): Uint8Array | undefined {
  try {
    const key = decodeCbor(coseKey);
    const x = key instanceof Map && key.get(1) === 1 ? key.get(-2) : undefined;
    return x instanceof Uint8Array && x.length === 32 ? x : undefined;
  } catch {
    return undefined;
  }
}

/** Keys that sign deterministically (deterministic mode): RFC 6979 ECDSA, ML-DSA without its hedge; EdDSA and RSA PKCS#1 v1.5 are anyway. */
const deterministicKeys = new WeakSet<object>();

/** Make `key` sign deterministically from now on. */
export function signDeterministically<K extends SigningKey>(key: K): K {
  deterministicKeys.add(key);
  return key;
}

/** Sign as WebAuthn expects, with the algorithm's rules (algorithms/): ECDSA gives ASN.1 DER, EdDSA and ML-DSA sign the data itself. */
export function signWithCredentialKey(alg: number, key: SigningKey, data: Uint8Array): Uint8Array {
  return credentialAlgorithm(alg).sign(key, data, deterministicKeys.has(key));
}

/** Ed25519's public key of a KeyObject, for callers that made one from a seed. */
export { ed25519PublicKey };
