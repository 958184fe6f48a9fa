/**
 * Private keys crossing the boundary: parse PKCS#8, check the curve against
 * the algorithm, and derive the public forms the formats need (COSE for the
 * store, SPKI for Playwright).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { CoseAlgorithm, algorithmName } from "../ctap/cose.js";
import { algorithmOfKey, exportKeyPair, SUPPORTED_ALGORITHMS } from "../crypto/credentialKeys.js";
import { credentialAlgorithm, isImplementedAlgorithm } from "../crypto/algorithms/index.js";
import { FieldError } from "./fields.js";

export interface ParsedKey {
  alg: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Parse a PKCS#8 DER private key; `expectAlg` refuses any other kind (ES256: P-256 only). */
export function parsePkcs8(pkcs8: Uint8Array, field: string, expectAlg?: number): ParsedKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  } catch (error) {
    throw new FieldError(`${field} is not a PKCS#8 private key (${(error as Error).message})`);
  }
  const alg = expectAlg !== undefined && credentialAlgorithm(expectAlg).matches?.(privateKey) ? expectAlg : algorithmOfKey(privateKey, SUPPORTED_ALGORITHMS);
  if (alg === undefined) {
    const curve = privateKey.asymmetricKeyDetails?.namedCurve;
    throw new FieldError(`${field} is a ${privateKey.asymmetricKeyType}${curve ? ` ${curve}` : ""} key; softkey holds ECDSA P-256/384/521, Ed25519, Ed448 and RSA 2048 keys (and ML-DSA in its own layout)`);
  }
  if (expectAlg !== undefined && alg !== expectAlg) {
    throw new FieldError(`${field} is an ${algorithmName(alg)} key where ${algorithmName(expectAlg)} (${expectAlg === CoseAlgorithm.ES256 ? "P-256" : "Ed25519"}) is required`);
  }
  return { alg, privateKey, publicKey: createPublicKey(privateKey) };
}

/** The key as the store keeps it: PKCS#8 DER (re-encoded by OpenSSL) and the COSE_Key public key. */
export function storedKeyPair(key: ParsedKey): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const pair = exportKeyPair(key.alg, key.privateKey);
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/**
 * A stored pair of algorithm `alg` (a softkey bundle's record): the COSE public key the private key makes,
 * checked against the one given. Every algorithm softkey implements, ML-DSA included.
 */
export function checkStoredPair(alg: unknown, privateKey: Uint8Array, publicKey: Uint8Array): void {
  if (typeof alg !== "number" || !isImplementedAlgorithm(alg)) {
    throw new FieldError(`alg must be one of ${SUPPORTED_ALGORITHMS.map((a) => `${a} (${algorithmName(a)})`).join(", ")}, got ${JSON.stringify(alg)}`);
  }
  let derived: Uint8Array;
  try {
    derived = credentialAlgorithm(alg).coseKeyOf(privateKey);
  } catch (error) {
    throw new FieldError(`privateKey is not a PKCS#8 ${algorithmName(alg)} private key (${(error as Error).message})`);
  }
  if (!Buffer.from(derived).equals(Buffer.from(publicKey))) throw new FieldError("publicKey does not belong to privateKey");
}

export function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: "der", type: "spki" }));
}
