/**
 * Private keys as the store keeps them (PKCS#8 DER, RFC 5208) built from and
 * read back into their raw parts, without asking OpenSSL to export or parse
 * DER. Two reasons, both measured on Node 20:
 *
 * - generateKeyPairSync followed by a key export can deadlock the process
 *   (main thread in ExportJWKEcKey -> GC -> ~KeyGenJob -> uv_mutex_lock), so
 *   new keys are made from raw randomness (credentialKeys.ts) and encoded here.
 * - createPrivateKey from PKCS#8 DER costs several times what it costs from a
 *   JWK (about 360 against 55 µs for P-256, worse for Ed25519), and a cold
 *   assertion pays it once per credential: stored keys are read here and
 *   handed to OpenSSL as JWKs.
 *
 * The layouts are the ones Node itself exports, so stores written by earlier
 * versions read back the same way; a PKCS#8 of another layout (an imported
 * key) is left to OpenSSL's own parser.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";

/** PKCS#8 of a P-256 key with its public key (RFC 5915 ECPrivateKey): prefix, 32-byte d, middle, 65-byte uncompressed point. */
const P256_PREFIX = Uint8Array.from(Buffer.from("308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420", "hex"));
const P256_MIDDLE = Uint8Array.from(Buffer.from("a144034200", "hex"));
const P256_LENGTH = P256_PREFIX.length + 32 + P256_MIDDLE.length + 65;

/** PKCS#8 of an Ed25519 key (RFC 8410): prefix, then the 32-byte seed. */
const ED25519_PREFIX = Uint8Array.from(Buffer.from("302e020100300506032b657004220420", "hex"));
const ED25519_LENGTH = ED25519_PREFIX.length + 32;

export interface P256PrivateKey {
  d: Uint8Array;
  /** The uncompressed public point: 0x04 || x || y. */
  point: Uint8Array;
}

export function encodeP256Pkcs8({ d, point }: P256PrivateKey): Uint8Array {
  if (d.length !== 32 || point.length !== 65 || point[0] !== 0x04) throw new RangeError("a P-256 key needs a 32-byte scalar and a 65-byte uncompressed point");
  const out = new Uint8Array(P256_LENGTH);
  out.set(P256_PREFIX, 0);
  out.set(d, P256_PREFIX.length);
  out.set(P256_MIDDLE, P256_PREFIX.length + 32);
  out.set(point, P256_PREFIX.length + 32 + P256_MIDDLE.length);
  return out;
}

/** The parts of a P-256 PKCS#8 in Node's layout, or undefined for any other layout. */
export function decodeP256Pkcs8(pkcs8: Uint8Array): P256PrivateKey | undefined {
  if (pkcs8.length !== P256_LENGTH || !startsWith(pkcs8, P256_PREFIX, 0) || !startsWith(pkcs8, P256_MIDDLE, P256_PREFIX.length + 32)) return undefined;
  const pointAt = P256_PREFIX.length + 32 + P256_MIDDLE.length;
  if (pkcs8[pointAt] !== 0x04) return undefined;
  return { d: pkcs8.slice(P256_PREFIX.length, P256_PREFIX.length + 32), point: pkcs8.slice(pointAt) };
}

export function encodeEd25519Pkcs8(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError("an Ed25519 key needs a 32-byte seed");
  const out = new Uint8Array(ED25519_LENGTH);
  out.set(ED25519_PREFIX, 0);
  out.set(seed, ED25519_PREFIX.length);
  return out;
}

/** The seed of an Ed25519 PKCS#8 in Node's layout, or undefined for any other layout. */
export function decodeEd25519Pkcs8(pkcs8: Uint8Array): Uint8Array | undefined {
  if (pkcs8.length !== ED25519_LENGTH || !startsWith(pkcs8, ED25519_PREFIX, 0)) return undefined;
  return pkcs8.slice(ED25519_PREFIX.length);
}

export function p256KeyObject({ d, point }: P256PrivateKey): KeyObject {
  return createPrivateKey({ key: { kty: "EC", crv: "P-256", d: b64u(d), x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) }, format: "jwk" });
}

export function ed25519KeyObject(seed: Uint8Array, publicKey: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: b64u(seed), x: b64u(publicKey) }, format: "jwk" });
}

/**
 * An Ed25519 private key from its seed alone. Node requires the JWK's `x` to
 * be a string but derives the public key from `d` for a private key, so the
 * empty string stands in; ed25519PublicKey reads the derived one back.
 */
export function ed25519KeyObjectFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: b64u(seed), x: "" }, format: "jwk" });
}

/** The 32-byte public key of an Ed25519 KeyObject (private or public). */
export function ed25519PublicKey(key: KeyObject): Uint8Array {
  const x = key.export({ format: "jwk" }).x;
  if (typeof x !== "string") throw new TypeError("not an Ed25519 key");
  const bytes = Buffer.from(x, "base64url");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** OpenSSL's own PKCS#8 parser: for layouts this module does not read. */
export function parsePkcs8(pkcs8: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(pkcs8.buffer, pkcs8.byteOffset, pkcs8.byteLength), format: "der", type: "pkcs8" });
}

function startsWith(bytes: Uint8Array, part: Uint8Array, at: number): boolean {
  for (let i = 0; i < part.length; i++) if (bytes[at + i] !== part[i]) return false;
  return true;
}

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}
