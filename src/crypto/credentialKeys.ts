/**
 * Credential key pairs: generation and signing through node:crypto (OpenSSL),
 * the hot path of every ceremony. Private keys travel as PKCS#8 DER so that the
 * keystore seals plain bytes; signing uses a KeyObject parsed once and cached.
 */
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { CoseAlgorithm, encodeEc2PublicKey, encodeOkpPublicKey } from "./cose.js";

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

export function generateCredentialKeyPair(alg: number): CredentialKeyPair {
  if (alg === CoseAlgorithm.ES256) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    return {
      alg,
      privateKey: toBytes(privateKey.export({ format: "der", type: "pkcs8" })),
      publicKey: encodeEc2PublicKey(fromB64url(jwk.x!), fromB64url(jwk.y!)),
    };
  }
  if (alg === CoseAlgorithm.EdDSA) {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const jwk = publicKey.export({ format: "jwk" });
    return {
      alg,
      privateKey: toBytes(privateKey.export({ format: "der", type: "pkcs8" })),
      publicKey: encodeOkpPublicKey(fromB64url(jwk.x!)),
    };
  }
  throw new RangeError(`unsupported COSE algorithm ${alg}`);
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
  return toBytes(sign(alg === CoseAlgorithm.EdDSA ? null : "sha256", data, key));
}

function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function fromB64url(s: string): Uint8Array {
  return toBytes(Buffer.from(s, "base64url"));
}
