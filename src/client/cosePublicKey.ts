/**
 * COSE_Key (RFC 9052 section 7, RFC 9053) to SubjectPublicKeyInfo DER, the
 * form of AuthenticatorAttestationResponse.getPublicKey() (WebAuthn L3
 * section 5.2.1.1). Goes through a JWK so node:crypto validates the key
 * (point on curve, sane RSA parameters) on the way.
 */
import { createPublicKey, type JsonWebKey } from "node:crypto";
import type { CborMap } from "../ctap/cbor.js";
import { toBase64Url } from "../bytes/base64url.js";

const Label = { kty: 1, alg: 3, crv: -1, x: -2, y: -3, n: -1, e: -2 } as const;
const Kty = { OKP: 1, EC2: 2, RSA: 3 } as const;

/** COSE elliptic curves (RFC 9053 table 18) and the JWK names node:crypto knows them by. */
const EC2_CURVES = new Map<number, string>([
  [1, "P-256"],
  [2, "P-384"],
  [3, "P-521"],
  [8, "secp256k1"],
]);
const OKP_CURVES = new Map<number, string>([
  [6, "Ed25519"],
  [7, "Ed448"],
]);

export class CoseKeyError extends Error {
  override name = "CoseKeyError";
}

/** The key's COSE algorithm identifier (label 3); WebAuthn requires it. */
export function coseAlgorithm(key: CborMap): number {
  const alg = key.get(Label.alg);
  if (typeof alg !== "number" || !Number.isInteger(alg)) throw new CoseKeyError("COSE key has no integer alg (3)");
  return alg;
}

/**
 * SPKI DER for a COSE public key, or undefined for a key type this client
 * cannot express (the spec then leaves getPublicKey() null). Malformed
 * parameters of a known key type throw.
 */
export function coseToSpki(key: CborMap): Uint8Array | undefined {
  const jwk = coseToJwk(key);
  if (!jwk) return undefined;
  try {
    return new Uint8Array(createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "der" }));
  } catch (cause) {
    throw new CoseKeyError(`COSE key is not a valid ${jwk.kty} public key: ${(cause as Error).message}`, { cause });
  }
}

function coseToJwk(key: CborMap): JsonWebKey | undefined {
  switch (key.get(Label.kty)) {
    case Kty.EC2: {
      const crv = EC2_CURVES.get(key.get(Label.crv) as number);
      if (!crv) return undefined;
      // A boolean y would be point compression, which WebAuthn keys never use.
      return { kty: "EC", crv, x: b64(key, Label.x, "x"), y: b64(key, Label.y, "y") };
    }
    case Kty.OKP: {
      const crv = OKP_CURVES.get(key.get(Label.crv) as number);
      if (!crv) return undefined;
      return { kty: "OKP", crv, x: b64(key, Label.x, "x") };
    }
    case Kty.RSA:
      return { kty: "RSA", n: b64(key, Label.n, "n"), e: b64(key, Label.e, "e") };
    default:
      return undefined;
  }
}

function b64(key: CborMap, label: number, name: string): string {
  const value = key.get(label);
  if (!(value instanceof Uint8Array) || value.length === 0) {
    throw new CoseKeyError(`COSE key parameter ${name} (${label}) must be a non-empty byte string`);
  }
  return toBase64Url(value);
}
