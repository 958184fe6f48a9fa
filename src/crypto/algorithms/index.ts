/**
 * Every credential algorithm softkey implements, by COSE identifier, in
 * softkey's own order of preference (a request's pubKeyCredParams order
 * still decides, makeCredential step 3). A profile offers a subset.
 */
import { ES256, ES384, ES512, ESP256, ESP384, ESP512 } from "./ecdsa.js";
import { Ed25519, Ed448, EdDSA } from "./eddsa.js";
import { RS256 } from "./rsa.js";
import { ML_DSA_44, ML_DSA_65, ML_DSA_87 } from "./mlDsa.js";
import type { CredentialAlgorithm } from "./types.js";

export type { CredentialAlgorithm, CredentialKeyPair, KeyMaterial, MlDsaKey, SigningKey } from "./types.js";
export { isKeyObject } from "./types.js";
export { mlDsaVerify } from "./mlDsa.js";

export const CREDENTIAL_ALGORITHMS: readonly CredentialAlgorithm[] = [
  ES256,
  EdDSA,
  ES384,
  ES512,
  ESP256,
  ESP384,
  ESP512,
  Ed25519,
  Ed448,
  RS256,
  ML_DSA_44,
  ML_DSA_65,
  ML_DSA_87,
];

const byAlg = new Map(CREDENTIAL_ALGORITHMS.map((a) => [a.alg, a]));

export function credentialAlgorithm(alg: number): CredentialAlgorithm {
  const found = byAlg.get(alg);
  if (!found) throw new RangeError(`unsupported COSE algorithm ${alg}`);
  return found;
}

export function isImplementedAlgorithm(alg: number): boolean {
  return byAlg.has(alg);
}
