/**
 * Credential key pairs: generation and signing through node:crypto (OpenSSL),
 * the hot path of every ceremony. Private keys travel as PKCS#8 DER so that the
 * keystore seals plain bytes; signing uses a KeyObject parsed once and cached.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { CoseAlgorithm, encodeEc2PublicKey, encodeOkpPublicKey } from "../ctap/cose.js";

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
  /** Parse a stored PKCS#8 key for signing (the context's key cache keeps the result). */
  load(pkcs8: Uint8Array): KeyObject;
}

export const randomKeyFactory: CredentialKeyFactory = {
  create(request) {
    const { keyPair, privateKey } = generateKeyPair(request.alg);
    return Promise.resolve({ id: new Uint8Array(randomBytes(CREDENTIAL_ID_LENGTH)), keyPair, signingKey: privateKey });
  },
  load: loadPrivateKey,
};

export function generateCredentialKeyPair(alg: number): CredentialKeyPair {
  return generateKeyPair(alg).keyPair;
}

function generateKeyPair(alg: number): { keyPair: CredentialKeyPair; privateKey: KeyObject } {
  if (alg === CoseAlgorithm.ES256) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    return { keyPair: exportKeyPair(alg, privateKey, publicKey), privateKey };
  }
  if (alg === CoseAlgorithm.EdDSA) {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    return { keyPair: exportKeyPair(alg, privateKey, publicKey), privateKey };
  }
  throw new RangeError(`unsupported COSE algorithm ${alg}`);
}

/** A key pair as the store keeps it: PKCS#8 DER private key, COSE public key. */
export function exportKeyPair(alg: number, privateKey: KeyObject, publicKey: KeyObject): CredentialKeyPair {
  const jwk = publicKey.export({ format: "jwk" });
  return {
    alg,
    privateKey: toBytes(privateKey.export({ format: "der", type: "pkcs8" })),
    publicKey:
      alg === CoseAlgorithm.EdDSA ? encodeOkpPublicKey(fromB64url(jwk.x!)) : encodeEc2PublicKey(fromB64url(jwk.x!), fromB64url(jwk.y!)),
  };
}

/** Parse a PKCS#8 private key once; callers cache the KeyObject. */
export function loadPrivateKey(pkcs8: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(pkcs8.buffer, pkcs8.byteOffset, pkcs8.byteLength), format: "der", type: "pkcs8" });
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
