/**
 * Deterministic mode (`--seed`): credential IDs, key pairs and signatures
 * derived from a seed and the request, so the same inputs give byte-identical
 * attestation objects and assertions on every run and machine. For test
 * fixtures only, never for anything real: whoever knows the seed knows every
 * private key.
 *
 *   key     = HKDF-SHA-256(seed, salt, "softkey key" | alg | rpId | user.id | n), as many bytes as the
 *             algorithm takes (algorithms/): ECDSA 16 bytes more than the curve's size, reduced to a scalar in
 *             [1, n-1]; EdDSA the seed (32 or 57 bytes); RS256 two 1024-bit prime candidates; ML-DSA the 32-byte seed
 *   id      = HKDF-SHA-256(seed, salt, "softkey credential id" | alg | rpId | user.id | n), 32 bytes
 *   random  = HKDF-SHA-256(seed, salt, "softkey random" | n | k), for ctx.randomBytes
 *
 * where n numbers the creations of the store (a persistent counter, so two
 * creations never share keys even across processes) and k the calls since the
 * last creation. Each field is length-prefixed. ECDSA signatures use RFC 6979,
 * ML-DSA signs without its random hedge; EdDSA and RSA PKCS#1 v1.5 signatures
 * are deterministic by definition.
 */
import { hkdfSync } from "node:crypto";
import { credentialAlgorithm } from "./algorithms/index.js";
import {
  CREDENTIAL_ID_LENGTH,
  loadPrivateKey,
  signDeterministically,
  type CredentialKeyFactory,
  type CredentialRequest,
  type SigningKey,
} from "./credentialKeys.js";

const SALT = "softkey deterministic mode v1";

export interface DeterministicKeyOptions {
  seed: string | Uint8Array;
  /** The number of the next creation; the caller keeps it persistent (the keystore's counters). */
  nextCreation: () => Promise<number>;
}

export interface DeterministicKeyFactory extends CredentialKeyFactory {
  /** Seeded stand-in for the context's randomBytes (hmac-secret's CredRandom, largeBlobKey, ...). */
  randomBytes(length: number): Uint8Array;
}

export function deterministicKeyFactory(options: DeterministicKeyOptions): DeterministicKeyFactory {
  const seed = typeof options.seed === "string" ? Buffer.from(options.seed, "utf8") : Buffer.from(options.seed);
  if (seed.length === 0) throw new RangeError("the seed must not be empty");
  const derive = (length: number, ...info: (string | Uint8Array)[]): Uint8Array => new Uint8Array(hkdfSync("sha256", seed, SALT, encodeInfo(info), length));
  // What randomBytes draws from: the last creation in this process ("-" before any) and a call count.
  let stream = { creation: "-", calls: 0 };

  return {
    async create(request: CredentialRequest) {
      const n = String(await options.nextCreation());
      const fields = [String(request.alg), request.rpId, request.userId, n];
      // Each algorithm takes what it needs from one derivation (algorithms/): 48 bytes for a P-256 scalar, a 32-byte seed...
      const algorithm = credentialAlgorithm(request.alg);
      const { keyPair, signingKey } = algorithm.derive(derive(algorithm.materialLength, "softkey key", ...fields));
      stream = { creation: n, calls: 0 };
      return { id: derive(CREDENTIAL_ID_LENGTH, "softkey credential id", ...fields), keyPair, signingKey: signDeterministically(signingKey) };
    },
    load(pkcs8: Uint8Array, publicKey?: Uint8Array, alg?: number): SigningKey {
      return signDeterministically(loadPrivateKey(pkcs8, publicKey, alg));
    },
    randomBytes(length: number): Uint8Array {
      return derive(length, "softkey random", stream.creation, String(stream.calls++));
    },
  };
}

/** Fields, each as a 4-byte big-endian length and its bytes (text as UTF-8), so no two field lists collide. */
function encodeInfo(fields: (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields) {
    const bytes = typeof field === "string" ? Buffer.from(field, "utf8") : Buffer.from(field);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}
