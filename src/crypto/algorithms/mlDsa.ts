/**
 * ML-DSA credentials (FIPS 204: ML-DSA-44, -65, -87; COSE -48, -49, -50 and
 * key type AKP, draft-ietf-cose-dilithium), through @noble/post-quantum:
 * Node 20's OpenSSL has no ML-DSA. Experimental: the COSE registration is a
 * draft and few relying parties verify it yet.
 *
 * The key is its 32-byte seed (xi, KeyGen_internal), kept as PKCS#8 in the
 * seed-only form of the IETF LAMPS ML-DSA private key (OneAsymmetricKey with
 * privateKey = [0] IMPLICIT OCTET STRING (32)), so it stays small and any
 * implementation can expand it. WebAuthn signs authenticatorData ||
 * clientDataHash with pure ML-DSA and an empty context; signatures are hedged
 * (FIPS 204's default), or deterministic in deterministic mode.
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { CoseAlgorithm, encodeAkpPublicKey } from "../../ctap/cose.js";
import type { CredentialAlgorithm, MlDsaKey, SigningKey } from "./types.js";

type ParameterSet = typeof ml_dsa44;

const SEED_LENGTH = 32;

/** PKCS#8 in front of the seed: version 0, AlgorithmIdentifier { id-ml-dsa-NN }, privateKey OCTET STRING { [0] seed }. */
function prefix(oidLastByte: number): Uint8Array {
  return Uint8Array.from(Buffer.from(`3034020100300b06096086480165030403${oidLastByte.toString(16).padStart(2, "0")}04228020`, "hex"));
}

function mlDsa(alg: number, name: string, set: ParameterSet, oidLastByte: number): CredentialAlgorithm {
  const head = prefix(oidLastByte);
  const seedOf = (pkcs8: Uint8Array): Uint8Array => {
    if (pkcs8.length !== head.length + SEED_LENGTH || !head.every((byte, i) => pkcs8[i] === byte)) throw new RangeError(`not a seed-form ${name} PKCS#8 key`);
    return pkcs8.subarray(head.length);
  };
  const keyFrom = (seed: Uint8Array): { key: MlDsaKey; publicKey: Uint8Array } => {
    const { secretKey, publicKey } = set.keygen(seed);
    return { key: { kind: "ml-dsa", alg, secretKey }, publicKey };
  };
  return {
    alg,
    name,
    experimental: true,
    materialLength: SEED_LENGTH,
    derive(material) {
      const seed = material.slice(0, SEED_LENGTH);
      const { key, publicKey } = keyFrom(seed);
      const privateKey = new Uint8Array(head.length + SEED_LENGTH);
      privateKey.set(head, 0);
      privateKey.set(seed, head.length);
      return { keyPair: { alg, privateKey, publicKey: encodeAkpPublicKey(publicKey, alg) }, signingKey: key };
    },
    load: (pkcs8) => keyFrom(seedOf(pkcs8)).key,
    coseKeyOf: (pkcs8) => encodeAkpPublicKey(keyFrom(seedOf(pkcs8)).publicKey, alg),
    sign(key: SigningKey, data: Uint8Array, deterministic: boolean) {
      if (!("kind" in key) || key.kind !== "ml-dsa" || key.alg !== alg) throw new TypeError(`${name} signs with an ${name} key`);
      return set.sign(data, key.secretKey, deterministic ? { extraEntropy: false } : {});
    },
  };
}

export const ML_DSA_44 = mlDsa(CoseAlgorithm.ML_DSA_44, "ML-DSA-44", ml_dsa44, 0x11);
export const ML_DSA_65 = mlDsa(CoseAlgorithm.ML_DSA_65, "ML-DSA-65", ml_dsa65, 0x12);
export const ML_DSA_87 = mlDsa(CoseAlgorithm.ML_DSA_87, "ML-DSA-87", ml_dsa87, 0x13);

/** Verify with the same library (decode, tests of round trips); the independent check lives in the test suite. */
export function mlDsaVerify(alg: number, publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const set = alg === CoseAlgorithm.ML_DSA_44 ? ml_dsa44 : alg === CoseAlgorithm.ML_DSA_65 ? ml_dsa65 : alg === CoseAlgorithm.ML_DSA_87 ? ml_dsa87 : undefined;
  if (!set) throw new RangeError(`COSE ${alg} is not ML-DSA`);
  return set.verify(signature, data, publicKey);
}
