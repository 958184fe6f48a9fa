/**
 * Credential key pairs: generation and signing through node:crypto (OpenSSL),
 * the hot path of every ceremony. Private keys travel as PKCS#8 DER so that the
 * keystore seals plain bytes; signing uses a KeyObject parsed once and cached.
 * New keys come from raw randomness, never from generateKeyPairSync (see
 * keyEncoding.ts for why).
 */
import { createECDH, randomBytes, sign, type KeyObject } from "node:crypto";
import { publicRandomBytes } from "../bytes/random.js";
import { p256 } from "@noble/curves/nist.js";
import { decodeCbor } from "../ctap/cbor.js";
import { CoseAlgorithm, encodeEc2PublicKey, encodeOkpPublicKey } from "../ctap/cose.js";
import {
  decodeEd25519Pkcs8,
  decodeP256Pkcs8,
  ed25519KeyObject,
  ed25519KeyObjectFromSeed,
  ed25519PublicKey,
  encodeEd25519Pkcs8,
  encodeP256Pkcs8,
  p256KeyObject,
  parsePkcs8,
} from "./keyEncoding.js";

export interface CredentialKeyPair {
  alg: number;
  /** PKCS#8 DER; secret. */
  privateKey: Uint8Array;
  /** CBOR COSE_Key. */
  publicKey: Uint8Array;
}

/** COSE algorithms softkey can make credentials for, in its own preference order. */
export const SUPPORTED_ALGORITHMS: readonly number[] = [CoseAlgorithm.ES256, CoseAlgorithm.EdDSA];

export function isSupportedAlgorithm(alg: number): boolean {
  return SUPPORTED_ALGORITHMS.includes(alg);
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
  signingKey: KeyObject;
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
   * COSE public key, when given, saves computing it.
   */
  load(pkcs8: Uint8Array, publicKey?: Uint8Array): KeyObject;
}

export const randomKeyFactory: CredentialKeyFactory = {
  create(request) {
    const { keyPair, privateKey } = generateKeyPair(request.alg);
    return Promise.resolve({ id: publicRandomBytes(CREDENTIAL_ID_LENGTH), keyPair, signingKey: privateKey });
  },
  load: loadPrivateKey,
};

export function generateCredentialKeyPair(alg: number): CredentialKeyPair {
  return generateKeyPair(alg).keyPair;
}

function generateKeyPair(alg: number): { keyPair: CredentialKeyPair; privateKey: KeyObject } {
  if (alg === CoseAlgorithm.ES256) {
    const ecdh = createECDH("prime256v1");
    const point = new Uint8Array(ecdh.generateKeys());
    return p256KeyPair({ d: leftPad(new Uint8Array(ecdh.getPrivateKey()), 32), point });
  }
  if (alg === CoseAlgorithm.EdDSA) return ed25519KeyPair(new Uint8Array(randomBytes(32)));
  throw new RangeError(`unsupported COSE algorithm ${alg}`);
}

/** A P-256 key pair from its scalar and public point: PKCS#8, COSE key and a KeyObject to sign with. */
export function p256KeyPair(key: { d: Uint8Array; point: Uint8Array }): { keyPair: CredentialKeyPair; privateKey: KeyObject } {
  const keyPair = { alg: CoseAlgorithm.ES256, privateKey: encodeP256Pkcs8(key), publicKey: encodeEc2PublicKey(key.point.slice(1, 33), key.point.slice(33, 65)) };
  return { keyPair, privateKey: p256KeyObject(key) };
}

/** An Ed25519 key pair from its 32-byte seed; OpenSSL derives the public key. */
export function ed25519KeyPair(seed: Uint8Array): { keyPair: CredentialKeyPair; privateKey: KeyObject } {
  const privateKey = ed25519KeyObjectFromSeed(seed);
  const keyPair = { alg: CoseAlgorithm.EdDSA, privateKey: encodeEd25519Pkcs8(seed), publicKey: encodeOkpPublicKey(ed25519PublicKey(privateKey)) };
  return { keyPair, privateKey };
}

/**
 * A P-256 private scalar in [1, n-1] from 48 uniformly random bytes (at
 * least 64 bits more than the order, as FIPS 186-5 A.2.1 asks: the bias is
 * negligible), never zero. For keys derived from a seed.
 */
export function p256ScalarFrom(okm: Uint8Array): Uint8Array {
  if (okm.length < 48) throw new RangeError("a P-256 scalar needs 48 bytes of key material");
  const n = p256.Point.CURVE().n;
  const scalar = (BigInt(`0x${Buffer.from(okm.buffer, okm.byteOffset, 48).toString("hex")}`) % (n - 1n)) + 1n;
  return Uint8Array.from(Buffer.from(scalar.toString(16).padStart(64, "0"), "hex"));
}

/** The uncompressed public point (0x04 || x || y) of a P-256 scalar, computed by OpenSSL: several times faster than in JavaScript. */
export function p256PublicPoint(d: Uint8Array): Uint8Array {
  // One ECDH object serves every call (setPrivateKey replaces its key): making one costs as much as the multiplication.
  pointMaker.setPrivateKey(d);
  return new Uint8Array(pointMaker.getPublicKey());
}

const pointMaker = createECDH("prime256v1");

/** A key pair as the store keeps it, from KeyObjects made elsewhere (an imported credential). */
export function exportKeyPair(alg: number, privateKey: KeyObject, publicKey: KeyObject): CredentialKeyPair {
  const jwk = publicKey.export({ format: "jwk" });
  return {
    alg,
    privateKey: toBytes(privateKey.export({ format: "der", type: "pkcs8" })),
    publicKey:
      alg === CoseAlgorithm.EdDSA ? encodeOkpPublicKey(fromB64url(jwk.x!)) : encodeEc2PublicKey(fromB64url(jwk.x!), fromB64url(jwk.y!)),
  };
}

/**
 * Parse a PKCS#8 private key once; callers cache the KeyObject. Keys in Node's own layout go to
 * OpenSSL as JWKs, several times cheaper than its DER parser (keyEncoding.ts).
 */
export function loadPrivateKey(pkcs8: Uint8Array, publicKey?: Uint8Array): KeyObject {
  const p256Key = decodeP256Pkcs8(pkcs8);
  if (p256Key) return p256KeyObject(p256Key);
  const seed = decodeEd25519Pkcs8(pkcs8);
  const x = seed && publicKey && okpX(publicKey);
  if (seed && x) return ed25519KeyObject(seed, x);
  return parsePkcs8(pkcs8);
}

/** The x of an OKP COSE key (RFC 9053: label -2), or undefined for anything else. */
function okpX(coseKey: Uint8Array): Uint8Array | undefined {
  try {
    const key = decodeCbor(coseKey);
    const x = key instanceof Map && key.get(1) === 1 ? key.get(-2) : undefined;
    return x instanceof Uint8Array && x.length === 32 ? x : undefined;
  } catch {
    return undefined;
  }
}

/** ECDH private keys come back without leading zero bytes. */
function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length >= length) return bytes;
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}

/**
 * Sign as WebAuthn expects: ES256 gives an ASN.1 DER ECDSA signature over
 * SHA-256(data); EdDSA signs the data itself.
 */
export function signWithCredentialKey(alg: number, key: KeyObject, data: Uint8Array): Uint8Array {
  if (alg !== CoseAlgorithm.EdDSA) {
    const scalar = rfc6979Keys.get(key);
    if (scalar !== undefined) return p256.sign(data, scalar, { prehash: true, format: "der" });
  }
  return toBytes(sign(alg === CoseAlgorithm.EdDSA ? null : "sha256", data, key));
}

/**
 * P-256 keys that sign with RFC 6979 deterministic ECDSA (through @noble/curves)
 * instead of OpenSSL's random nonces, by their secret scalar. Only the
 * deterministic key factory adds keys here; Ed25519 is deterministic anyway.
 */
const rfc6979Keys = new WeakMap<KeyObject, Uint8Array>();

/** Make `key` (P-256) sign deterministically from now on. */
export function signDeterministically(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType === "ec" && !rfc6979Keys.has(key)) rfc6979Keys.set(key, fromB64url(key.export({ format: "jwk" }).d!));
  return key;
}

function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function fromB64url(s: string): Uint8Array {
  return toBytes(Buffer.from(s, "base64url"));
}
