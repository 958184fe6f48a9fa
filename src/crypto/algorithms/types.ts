/**
 * What every credential algorithm provides, so the core, deterministic mode,
 * the exchange formats and the population all make, store, load and sign
 * with a key the same way: one module per family (ecdsa.ts, eddsa.ts, rsa.ts,
 * mlDsa.ts), looked up by COSE identifier in index.ts.
 */
import type { KeyObject } from "node:crypto";

/** An ML-DSA private key (FIPS 204): @noble/post-quantum signs with the expanded secret key. */
export interface MlDsaKey {
  readonly kind: "ml-dsa";
  readonly alg: number;
  readonly secretKey: Uint8Array;
}

/** What a credential signs with: an OpenSSL key (node:crypto) for the classical algorithms, an ML-DSA key otherwise. */
export type SigningKey = KeyObject | MlDsaKey;

export interface CredentialKeyPair {
  alg: number;
  /** PKCS#8 DER; secret. */
  privateKey: Uint8Array;
  /** CBOR COSE_Key. */
  publicKey: Uint8Array;
}

export interface KeyMaterial {
  keyPair: CredentialKeyPair;
  signingKey: SigningKey;
}

export interface CredentialAlgorithm {
  readonly alg: number;
  readonly name: string;
  /** Marked experimental in the README (ML-DSA: the COSE registration is a draft). */
  readonly experimental?: boolean;
  /** How many bytes of uniform key material derive() takes (random, or HKDF output in deterministic mode). */
  readonly materialLength: number;
  /** A key pair from `materialLength` uniform bytes: the same bytes give the same key. */
  derive(material: Uint8Array): KeyMaterial;
  /** A stored PKCS#8 key, parsed for signing (callers cache it); the COSE public key, when given, may save work. */
  load(pkcs8: Uint8Array, publicKey?: Uint8Array): SigningKey;
  /**
   * A WebAuthn signature over `data` (authenticatorData || clientDataHash): ECDSA as ASN.1 DER, EdDSA and
   * ML-DSA over the data itself. `deterministic`: RFC 6979 ECDSA, ML-DSA without its random hedge (deterministic mode).
   */
  sign(key: SigningKey, data: Uint8Array, deterministic: boolean): Uint8Array;
  /** The COSE public key of a stored PKCS#8 key (checking an imported pair); throws for a key that is not this algorithm's. */
  coseKeyOf(pkcs8: Uint8Array): Uint8Array;
  /** An imported key (PKCS#8 parsed by OpenSSL) as the store keeps it; absent where OpenSSL cannot parse the algorithm's keys. */
  fromKeyObject?(privateKey: KeyObject): CredentialKeyPair;
  /** Whether an OpenSSL key is one of this algorithm's (import picks the algorithm by the key). */
  matches?(privateKey: KeyObject): boolean;
}

export function isKeyObject(key: SigningKey): key is KeyObject {
  return !("kind" in key && key.kind === "ml-dsa");
}

export function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

export function fromB64u(text: string): Uint8Array {
  return toBytes(Buffer.from(text, "base64url"));
}

/** A scalar in [1, n-1] from uniformly random bytes at least 64 bits longer than n (FIPS 186-5 A.2.1), big-endian, `size` bytes. */
export function scalarFrom(material: Uint8Array, n: bigint, size: number): Uint8Array {
  const value = (BigInt(`0x${Buffer.from(material.buffer, material.byteOffset, material.byteLength).toString("hex")}`) % (n - 1n)) + 1n;
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(size * 2, "0"), "hex"));
}
