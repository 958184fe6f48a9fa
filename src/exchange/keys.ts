/**
 * Private keys crossing the boundary: parse PKCS#8, check the curve against
 * the algorithm, and derive the public forms the formats need (COSE for the
 * store, SPKI for Playwright).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { CoseAlgorithm, algorithmName } from "../ctap/cose.js";
import { exportKeyPair } from "../crypto/credentialKeys.js";
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
  const alg = algorithmOf(privateKey);
  if (alg === undefined) {
    const curve = privateKey.asymmetricKeyDetails?.namedCurve;
    throw new FieldError(`${field} is a ${privateKey.asymmetricKeyType}${curve ? ` ${curve}` : ""} key; softkey holds P-256 (ES256) and Ed25519 (EdDSA) keys`);
  }
  if (expectAlg !== undefined && alg !== expectAlg) {
    throw new FieldError(`${field} is an ${algorithmName(alg)} key where ${algorithmName(expectAlg)} (${expectAlg === CoseAlgorithm.ES256 ? "P-256" : "Ed25519"}) is required`);
  }
  return { alg, privateKey, publicKey: createPublicKey(privateKey) };
}

function algorithmOf(key: KeyObject): number | undefined {
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return CoseAlgorithm.ES256;
  if (key.asymmetricKeyType === "ed25519") return CoseAlgorithm.EdDSA;
  return undefined;
}

/** The key as the store keeps it: PKCS#8 DER (re-encoded by OpenSSL) and the COSE_Key public key. */
export function storedKeyPair(key: ParsedKey): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const pair = exportKeyPair(key.alg, key.privateKey, key.publicKey);
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

export function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: "der", type: "spki" }));
}
