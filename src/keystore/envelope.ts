/**
 * The envelope: a passphrase-derived key (scrypt) wraps a random data key, and
 * the data key seals every secret record with AES-256-GCM.
 *
 * Two layers so that changing the passphrase rewraps 32 bytes instead of
 * re-encrypting the store, and so that the slow KDF runs once per open rather
 * than per record.
 *
 * Sealed layout: nonce (12) || ciphertext || tag (16). The caller passes the
 * record's database key as additional authenticated data, so a sealed value
 * only opens under the key it was written to.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync, scrypt, scryptSync, type KeyObject } from "node:crypto";
import { publicRandomBytes } from "../bytes/random.js";
import type { ScryptParams } from "./records.js";

/** scrypt N=2^14, r=8, p=1 (16 MiB, about 50 ms here): the "interactive" cost from the scrypt paper, for a store of test keys. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 14, r: 8, p: 1 });

export const KEY_LENGTH = 32;
export const SALT_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const CIPHER = "aes-256-gcm";

/** Upper bounds keep a tampered metadata record from making open() allocate gigabytes. */
const MAX_LOG2_N = 24;
const MAX_R = 32;
const MAX_P = 16;

/** Throws RangeError unless N is a power of two > 1 and every parameter is within sane bounds. */
export function validateScryptParams(params: ScryptParams): void {
  const { N, r, p } = params;
  const isInt = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x);
  if (!isInt(N) || N < 2 || N > 2 ** MAX_LOG2_N || (N & (N - 1)) !== 0) {
    throw new RangeError(`scrypt N must be a power of two between 2 and 2^${MAX_LOG2_N}, got ${String(N)}`);
  }
  if (!isInt(r) || r < 1 || r > MAX_R) throw new RangeError(`scrypt r must be an integer in 1..${MAX_R}, got ${String(r)}`);
  if (!isInt(p) || p < 1 || p > MAX_P) throw new RangeError(`scrypt p must be an integer in 1..${MAX_P}, got ${String(p)}`);
}

/**
 * Working memory up to which scrypt runs on the calling thread; above it, on the libuv thread pool.
 * OpenSSL takes scrypt's 128*r*(N+p+2) bytes in one malloc. glibc serves a block up to 32 MiB (its
 * largest dynamic mmap threshold) from the calling thread's arena once an earlier one was freed, and
 * keeps it there for reuse instead of returning it. On the thread pool every pool thread that runs a
 * derivation keeps one (4 threads: 64 MiB at the default store cost of 16 MiB, for the life of the
 * process); on the calling thread it is one block, which the next derivation reuses. Above 32 MiB
 * glibc always maps the block and returns it, so those costs (a bundle's N=2^16, 64 MiB) keep to the pool.
 */
const SYNC_SCRYPT_MAX_BYTES = 32 * 2 ** 20;

/**
 * Derive the key-encryption key from a passphrase. A cost of up to 32 MiB (the default store cost,
 * 16 MiB, about 40 ms here) derives on the calling thread, for the memory (see SYNC_SCRYPT_MAX_BYTES);
 * a higher cost runs on the thread pool, so a server is not blocked for the seconds it may take.
 */
export function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<KeyObject> {
  validateScryptParams(params);
  const { N, r, p } = params;
  // OpenSSL needs 128*r*(N+p+2) bytes; Node's default maxmem (32 MiB) is too small for r=8, N>=2^15.
  const needed = 128 * r * (N + p + 2);
  const maxmem = 2 * needed;
  // NFC so the same passphrase typed on different systems derives the same key.
  const secret = Buffer.from(passphrase.normalize("NFC"), "utf8");
  if (needed <= SYNC_SCRYPT_MAX_BYTES) {
    try {
      const derived = scryptSync(secret, salt, KEY_LENGTH, { N, r, p, maxmem });
      const key = createSecretKey(derived);
      derived.fill(0);
      return Promise.resolve(key);
    } catch (err) {
      return Promise.reject(err as Error);
    } finally {
      secret.fill(0);
    }
  }
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { N, r, p, maxmem }, (err, derived) => {
      secret.fill(0);
      if (err) return reject(err);
      const key = createSecretKey(derived);
      derived.fill(0);
      resolve(key);
    });
  });
}

export function randomSalt(): Uint8Array {
  return randomFillSync(new Uint8Array(SALT_LENGTH));
}

/** A fresh random data key as raw bytes: wrap it, turn it into a KeyObject, then zero it. */
export function generateDataKey(): Uint8Array {
  return randomFillSync(new Uint8Array(KEY_LENGTH));
}

export function toKeyObject(raw: Uint8Array): KeyObject {
  return createSecretKey(raw);
}

export function seal(key: KeyObject, plaintext: Uint8Array, aad: string): Uint8Array {
  const out = new Uint8Array(NONCE_LENGTH + plaintext.length + TAG_LENGTH);
  // A nonce is public once used, so it may come from the pool; uniqueness is what GCM needs.
  const nonce = publicRandomBytes(NONCE_LENGTH);
  out.set(nonce, 0);
  const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = cipher.update(plaintext);
  cipher.final(); // GCM is a stream mode: final() only computes the tag
  out.set(body, NONCE_LENGTH);
  out.set(cipher.getAuthTag(), NONCE_LENGTH + plaintext.length);
  return out;
}

/** Error thrown by {@link unseal}; the store turns it into an IntegrityError or WrongPassphraseError. */
export class UnsealError extends Error {
  override name = "UnsealError";
}

/**
 * Authenticate and decrypt. Returns a fresh plain Uint8Array (not a pooled Buffer),
 * so values decoded from it do not share memory with unrelated data.
 */
export function unseal(key: KeyObject, sealed: Uint8Array, aad: string): Uint8Array {
  if (sealed.length < NONCE_LENGTH + TAG_LENGTH) throw new UnsealError("sealed value is truncated");
  const nonce = sealed.subarray(0, NONCE_LENGTH);
  const body = sealed.subarray(NONCE_LENGTH, sealed.length - TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - TAG_LENGTH);
  const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(tag);
  const plain = decipher.update(body);
  try {
    decipher.final();
  } catch (err) {
    plain.fill(0);
    throw new UnsealError("authentication failed", { cause: err });
  }
  const copy = new Uint8Array(plain);
  plain.fill(0);
  return copy;
}

/** AAD for the wrapped data key: the metadata record's key, as for every other record. */
const WRAP_AAD = "meta!data-key";

export function wrapDataKey(kek: KeyObject, dataKey: Uint8Array): Uint8Array {
  return seal(kek, dataKey, WRAP_AAD);
}

/** Throws UnsealError when the key-encryption key is wrong (wrong passphrase) or the wrapped key was altered. */
export function unwrapDataKey(kek: KeyObject, wrapped: Uint8Array): KeyObject {
  const raw = unseal(kek, wrapped, WRAP_AAD);
  if (raw.length !== KEY_LENGTH) throw new UnsealError("wrapped data key has the wrong length");
  const key = createSecretKey(raw);
  raw.fill(0);
  return key;
}
