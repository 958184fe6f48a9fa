/**
 * RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8812) credentials with 2048-bit
 * keys. The primes come from the key material, not from generateKeyPairSync
 * (whose keys, exported, can deadlock Node 20): each is the first probable
 * prime (OpenSSL's checkPrimeSync, Miller-Rabin) at or above a 1024-bit
 * candidate read from the material with its top two bits set (so p * q has
 * 2048 bits) and made odd. The same material gives the same key, so
 * deterministic mode works as for the other algorithms; PKCS#1 v1.5
 * signatures are deterministic anyway.
 */
import { checkPrimeSync, createPrivateKey, sign, type KeyObject } from "node:crypto";
import { CoseAlgorithm, encodeRsaPublicKey } from "../../ctap/cose.js";
import { parsePkcs8 } from "../keyEncoding.js";
import { b64u, fromB64u, isKeyObject, toBytes, type CredentialAlgorithm } from "./types.js";

const PRIME_BYTES = 128;
const E = 65537n;

function primeFrom(candidate: Uint8Array): bigint {
  let p = BigInt(`0x${Buffer.from(candidate).toString("hex")}`) | (3n << BigInt(PRIME_BYTES * 8 - 2)) | 1n;
  while (!(p % E !== 1n && checkPrimeSync(p, { checks: 64 }))) p += 2n;
  return p;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

function bytesOf(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** The COSE key of an RSA key (n and e without leading zeros, RFC 8230). */
function coseOf(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: "jwk" });
  return encodeRsaPublicKey(fromB64u(jwk.n!), fromB64u(jwk.e!), CoseAlgorithm.RS256);
}

export const RS256: CredentialAlgorithm = {
  alg: CoseAlgorithm.RS256,
  name: "RS256",
  materialLength: 2 * PRIME_BYTES,
  derive(material) {
    let p = primeFrom(material.subarray(0, PRIME_BYTES));
    let q = primeFrom(material.subarray(PRIME_BYTES));
    // Two equal candidates cannot make a key; keep p > q as PKCS#1 implementations expect for qInv.
    if (p === q) q = primeFrom(bytesOf(q + 2n));
    if (p < q) [p, q] = [q, p];
    const n = p * q;
    const d = modInverse(E, (p - 1n) * (q - 1n));
    const jwk = {
      kty: "RSA",
      n: b64u(bytesOf(n)),
      e: b64u(bytesOf(E)),
      d: b64u(bytesOf(d)),
      p: b64u(bytesOf(p)),
      q: b64u(bytesOf(q)),
      dp: b64u(bytesOf(d % (p - 1n))),
      dq: b64u(bytesOf(d % (q - 1n))),
      qi: b64u(bytesOf(modInverse(q, p))),
    };
    const signingKey = createPrivateKey({ key: jwk, format: "jwk" });
    return { keyPair: { alg: CoseAlgorithm.RS256, privateKey: toBytes(signingKey.export({ format: "der", type: "pkcs8" })), publicKey: coseOf(signingKey) }, signingKey };
  },
  load: (pkcs8) => parsePkcs8(pkcs8),
  sign(key, data) {
    if (!isKeyObject(key)) throw new TypeError("RS256 signs with an RSA key, not an ML-DSA one");
    return toBytes(sign("sha256", data, key));
  },
  matches: (key) => key.asymmetricKeyType === "rsa" && key.asymmetricKeyDetails?.modulusLength === 2048,
  coseKeyOf(pkcs8) {
    const key = parsePkcs8(pkcs8);
    if (!RS256.matches!(key)) throw new RangeError("not a 2048-bit RSA key");
    return coseOf(key);
  },
  fromKeyObject: (key) => ({ alg: CoseAlgorithm.RS256, privateKey: toBytes(key.export({ format: "der", type: "pkcs8" })), publicKey: coseOf(key) }),
};
