/**
 * ECDSA credentials on the NIST curves: ES256/ESP256 (P-256, SHA-256),
 * ES384/ESP384 (P-384, SHA-384), ES512/ESP512 (P-521, SHA-512). The ES and
 * ESP identifiers (RFC 9864) make the same keys and signatures; only the
 * COSE key's alg differs. Signing is node:crypto's; deterministic mode signs
 * with RFC 6979 nonces through @noble/curves. P-256 keys keep the layout of
 * keyEncoding.ts (the store's PKCS#8 since the first release); the other
 * curves' PKCS#8 is OpenSSL's, built from a JWK.
 */
import { createECDH, createPrivateKey, sign, type KeyObject } from "node:crypto";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { CoseAlgorithm, CoseCurve, encodeEc2PublicKey } from "../../ctap/cose.js";
import { decodeP256Pkcs8, encodeP256Pkcs8, p256KeyObject, parsePkcs8 } from "../keyEncoding.js";
import { b64u, fromB64u, isKeyObject, scalarFrom, toBytes, type CredentialAlgorithm, type KeyMaterial, type SigningKey } from "./types.js";

interface Curve {
  name: "P-256" | "P-384" | "P-521";
  crv: number;
  /** Field element size in bytes. */
  size: number;
  /** OpenSSL's name (createECDH, asymmetricKeyDetails.namedCurve). */
  openssl: string;
  hash: "sha256" | "sha384" | "sha512";
  noble: typeof p256 | typeof p384 | typeof p521;
}

const P256: Curve = { name: "P-256", crv: CoseCurve.P256, size: 32, openssl: "prime256v1", hash: "sha256", noble: p256 };
const P384: Curve = { name: "P-384", crv: CoseCurve.P384, size: 48, openssl: "secp384r1", hash: "sha384", noble: p384 };
const P521: Curve = { name: "P-521", crv: CoseCurve.P521, size: 66, openssl: "secp521r1", hash: "sha512", noble: p521 };

/** Private scalars of the keys that have signed deterministically (RFC 6979), by key: only deterministic mode keeps a copy. */
const scalars = new WeakMap<KeyObject, Uint8Array>();

/** One ECDH object per curve computes public points: OpenSSL is several times faster than JavaScript at it. */
const pointMakers = new Map<string, ReturnType<typeof createECDH>>();

/** The uncompressed public point (0x04 || x || y) of a private scalar. */
export function publicPoint(curve: Curve, d: Uint8Array): Uint8Array {
  let maker = pointMakers.get(curve.openssl);
  if (!maker) pointMakers.set(curve.openssl, (maker = createECDH(curve.openssl)));
  maker.setPrivateKey(d);
  return new Uint8Array(maker.getPublicKey());
}

function keyObject(curve: Curve, d: Uint8Array, point: Uint8Array): KeyObject {
  if (curve === P256) return p256KeyObject({ d, point });
  const x = point.subarray(1, 1 + curve.size);
  const y = point.subarray(1 + curve.size);
  return createPrivateKey({ key: { kty: "EC", crv: curve.name, d: b64u(d), x: b64u(x), y: b64u(y) }, format: "jwk" });
}

function pkcs8(curve: Curve, d: Uint8Array, point: Uint8Array, key: KeyObject): Uint8Array {
  if (curve === P256) return encodeP256Pkcs8({ d, point });
  return toBytes(key.export({ format: "der", type: "pkcs8" }));
}

function ecdsa(alg: number, name: string, curve: Curve): CredentialAlgorithm {
  const n = curve.noble.Point.CURVE().n;
  const cose = (point: Uint8Array) => encodeEc2PublicKey(point.slice(1, 1 + curve.size), point.slice(1 + curve.size), alg, curve.crv);
  const fromScalar = (d: Uint8Array, point = publicPoint(curve, d)): KeyMaterial => {
    const signingKey = keyObject(curve, d, point);
    return { keyPair: { alg, privateKey: pkcs8(curve, d, point, signingKey), publicKey: cose(point) }, signingKey };
  };
  return {
    alg,
    name,
    // 64 bits more than the order, so the reduction's bias is negligible.
    materialLength: curve.size + 16,
    derive: (material) => fromScalar(scalarFrom(material, n, curve.size)),
    load(stored) {
      const parts = curve === P256 ? decodeP256Pkcs8(stored) : undefined;
      return parts ? p256KeyObject(parts) : parsePkcs8(stored);
    },
    sign(key, data, deterministic) {
      const object = expectKeyObject(key, name);
      // The scalar is read out of the key the first time it signs deterministically.
      let d = deterministic ? scalars.get(object) : undefined;
      if (deterministic && !d) scalars.set(object, (d = fromB64u(object.export({ format: "jwk" }).d!)));
      if (d) return curve.noble.sign(data, d, { prehash: true, format: "der" });
      return toBytes(sign(curve.hash, data, object));
    },
    matches: (key) => key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === curve.openssl,
    coseKeyOf(stored) {
      const key = parsePkcs8(stored);
      if (!(key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === curve.openssl)) throw new RangeError(`not a ${curve.name} key`);
      const jwk = key.export({ format: "jwk" });
      return cose(new Uint8Array([0x04, ...fromB64u(jwk.x!), ...fromB64u(jwk.y!)]));
    },
    fromKeyObject(key) {
      const jwk = key.export({ format: "jwk" });
      const d = fromB64u(jwk.d!);
      const point = new Uint8Array([0x04, ...fromB64u(jwk.x!), ...fromB64u(jwk.y!)]);
      return { alg, privateKey: pkcs8(curve, d, point, key), publicKey: cose(point) };
    },
  };
}

function expectKeyObject(key: SigningKey, name: string): KeyObject {
  if (!isKeyObject(key)) throw new TypeError(`${name} signs with an ECDSA key, not an ML-DSA one`);
  return key;
}

export const ES256 = ecdsa(CoseAlgorithm.ES256, "ES256", P256);
export const ESP256 = ecdsa(CoseAlgorithm.ESP256, "ESP256", P256);
export const ES384 = ecdsa(CoseAlgorithm.ES384, "ES384", P384);
export const ESP384 = ecdsa(CoseAlgorithm.ESP384, "ESP384", P384);
export const ES512 = ecdsa(CoseAlgorithm.ES512, "ES512", P521);
export const ESP512 = ecdsa(CoseAlgorithm.ESP512, "ESP512", P521);

export const ECDSA_CURVES = { P256, P384, P521 } as const;
