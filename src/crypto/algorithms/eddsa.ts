/**
 * EdDSA credentials: Ed25519 under EdDSA (-8, the polymorphic identifier
 * WebAuthn has always used) and Ed25519 (-19, RFC 9864's fully specified
 * one), and Ed448 (-53). Keys come from their seed (32 or 57 bytes); OpenSSL
 * derives the public key and signs. EdDSA is deterministic by definition.
 */
import { createPrivateKey, sign, type KeyObject } from "node:crypto";
import { CoseAlgorithm, CoseCurve, encodeOkpPublicKey } from "../../ctap/cose.js";
import { decodeCbor } from "../../ctap/cbor.js";
import { decodeEd25519Pkcs8, ed25519KeyObject, encodeEd25519Pkcs8, parsePkcs8 } from "../keyEncoding.js";
import { b64u, fromB64u, isKeyObject, toBytes, type CredentialAlgorithm } from "./types.js";

interface Curve {
  name: "Ed25519" | "Ed448";
  crv: number;
  seedLength: number;
  /** PKCS#8 (RFC 8410) in front of the seed. */
  prefix: Buffer;
}

const ED25519: Curve = { name: "Ed25519", crv: CoseCurve.Ed25519, seedLength: 32, prefix: Buffer.from("302e020100300506032b657004220420", "hex") };
const ED448: Curve = { name: "Ed448", crv: CoseCurve.Ed448, seedLength: 57, prefix: Buffer.from("3047020100300506032b6571043b0439", "hex") };

/**
 * A private key from its seed alone. Node requires the JWK's `x` to be a string but derives the public
 * key from `d` for a private key, so the empty string stands in; the derived one is read back.
 */
function fromSeed(curve: Curve, seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: "OKP", crv: curve.name, d: b64u(seed), x: "" }, format: "jwk" });
}

function publicKeyOf(key: KeyObject): Uint8Array {
  return fromB64u(key.export({ format: "jwk" }).x!);
}

function eddsa(alg: number, name: string, curve: Curve): CredentialAlgorithm {
  const stored = (seed: Uint8Array) => (curve === ED25519 ? encodeEd25519Pkcs8(seed) : new Uint8Array(Buffer.concat([curve.prefix, seed])));
  return {
    alg,
    name,
    materialLength: curve.seedLength,
    derive(material) {
      const signingKey = fromSeed(curve, material);
      return { keyPair: { alg, privateKey: stored(material), publicKey: encodeOkpPublicKey(publicKeyOf(signingKey), alg, curve.crv) }, signingKey };
    },
    load(pkcs8, publicKey) {
      // Ed25519 keys in Node's layout with a known public key go to OpenSSL as a JWK: several times cheaper than DER.
      const seed = curve === ED25519 ? decodeEd25519Pkcs8(pkcs8) : undefined;
      const x = seed && publicKey && okpX(publicKey, curve.seedLength);
      return seed && x ? ed25519KeyObject(seed, x) : parsePkcs8(pkcs8);
    },
    sign(key, data) {
      if (!isKeyObject(key)) throw new TypeError(`${name} signs with an EdDSA key, not an ML-DSA one`);
      return toBytes(sign(null, data, key));
    },
    matches: (key) => key.asymmetricKeyType === curve.name.toLowerCase(),
    coseKeyOf(pkcs8) {
      const key = parsePkcs8(pkcs8);
      if (key.asymmetricKeyType !== curve.name.toLowerCase()) throw new RangeError(`not an ${curve.name} key`);
      return encodeOkpPublicKey(publicKeyOf(key), alg, curve.crv);
    },
    fromKeyObject(key) {
      const seed = fromB64u(key.export({ format: "jwk" }).d!);
      return { alg, privateKey: stored(seed), publicKey: encodeOkpPublicKey(publicKeyOf(key), alg, curve.crv) };
    },
  };
}

/** The x of an OKP COSE key (RFC 9053: label -2) of the expected length, or undefined for anything else. */
function okpX(coseKey: Uint8Array, length: number): Uint8Array | undefined {
  try {
    const key = decodeCbor(coseKey);
    const x = key instanceof Map && key.get(1) === 1 ? key.get(-2) : undefined;
    return x instanceof Uint8Array && x.length === length ? x : undefined;
  } catch {
    return undefined;
  }
}

export const EdDSA = eddsa(CoseAlgorithm.EdDSA, "EdDSA", ED25519);
export const Ed25519 = eddsa(CoseAlgorithm.Ed25519, "Ed25519", ED25519);
export const Ed448 = eddsa(CoseAlgorithm.Ed448, "Ed448", ED448);
