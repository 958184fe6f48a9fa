/**
 * A population's credential IDs. Everything the population needs to act with
 * a credential travels inside its ID, encrypted and authenticated under keys
 * from the seed, as a hardware key wraps a non-resident credential into its
 * ID: so any generator, on any machine, answers whatever allowCredentials the
 * RP sends, with nothing stored.
 *
 *   credential ID = 0x01 || iv (16) || AES-256-CTR(idEncryption, iv, source)
 *   iv            = first 16 bytes of HMAC-SHA-256(idAuthentication, 0x01 || rpIdHash || source)
 *
 * This is SIV, a synthetic IV (Rogaway and Shrimpton; RFC 5297's
 * construction with HMAC as the PRF): deterministic, so one credential always
 * has one ID (a generator can name a discoverable credential nobody told it
 * about), and the IV is the authentication tag, so an ID that was altered,
 * made under another seed or presented for another RP ID fails the check and
 * is simply not this population's.
 *
 *   source = flags (1) || algorithm (1) || user index (4, big-endian) || account (0..64)
 *     flags     0x01 discoverable; 0x02 the account is the RP's (else the population's own user handle)
 *     algorithm 1 ES256, 2 EdDSA
 *     account   discoverable: the RP's user handle, which sign-in must give back;
 *               non-discoverable: the first 8 bytes of its SHA-256, which only tell accounts apart
 */
import { createCipheriv, createHash, createHmac, timingSafeEqual } from "node:crypto";
import { CoseAlgorithm } from "../ctap/cose.js";
import type { PopulationSecrets } from "./secrets.js";

const FORMAT = 0x01;
const IV_LENGTH = 16;
const HEADER_LENGTH = 1 + IV_LENGTH;
const FIXED_SOURCE_LENGTH = 6;
const DISCOVERABLE = 0x01;
const RP_ACCOUNT = 0x02;
/** WebAuthn L3 section 5.4.3: user.id is at most 64 bytes. */
const MAX_USER_HANDLE = 64;
const ACCOUNT_TAG_LENGTH = 8;
const ALGORITHM_CODES = new Map<number, number>([
  [CoseAlgorithm.ES256, 1],
  [CoseAlgorithm.EdDSA, 2],
]);
const ALGORITHMS = new Map([...ALGORITHM_CODES].map(([alg, code]) => [code, alg]));

/** What a population credential is made from; its key pair is derived from the encoded source (credentialKey.ts). */
export interface CredentialSource {
  discoverable: boolean;
  /** COSE algorithm: ES256 or EdDSA. */
  alg: number;
  /** The user's index in the population. */
  user: number;
  /**
   * The RP's account when the RP chose a user handle other than the
   * population's: the handle itself for a discoverable credential, its 8-byte
   * tag for a non-discoverable one. Absent: the population's own handle.
   */
  account?: Uint8Array;
}

/** The account field for the RP's user handle: itself when discoverable, else its tag. */
export function accountFor(userHandle: Uint8Array, discoverable: boolean): Uint8Array {
  if (discoverable) return userHandle;
  return new Uint8Array(createHash("sha256").update(userHandle).digest().subarray(0, ACCOUNT_TAG_LENGTH));
}

export function encodeSource(source: CredentialSource): Uint8Array {
  const code = ALGORITHM_CODES.get(source.alg);
  if (code === undefined) throw new RangeError(`a population credential is ES256 or EdDSA, not COSE ${source.alg}`);
  if (!Number.isInteger(source.user) || source.user < 0 || source.user > 0xffffffff) throw new RangeError(`user index ${source.user} is not a 32-bit unsigned integer`);
  const account = source.account;
  if (account && (account.length === 0 || account.length > MAX_USER_HANDLE)) throw new RangeError(`a user handle is 1 to ${MAX_USER_HANDLE} bytes`);
  const out = new Uint8Array(FIXED_SOURCE_LENGTH + (account?.length ?? 0));
  out[0] = (source.discoverable ? DISCOVERABLE : 0) | (account ? RP_ACCOUNT : 0);
  out[1] = code;
  new DataView(out.buffer).setUint32(2, source.user);
  if (account) out.set(account, FIXED_SOURCE_LENGTH);
  return out;
}

/** The source back from its encoding, or undefined when it is not one (only possible for a forged tag: the MAC comes first). */
export function decodeSource(bytes: Uint8Array): CredentialSource | undefined {
  if (bytes.length < FIXED_SOURCE_LENGTH) return undefined;
  const flags = bytes[0]!;
  const alg = ALGORITHMS.get(bytes[1]!);
  if (alg === undefined || (flags & ~(DISCOVERABLE | RP_ACCOUNT)) !== 0) return undefined;
  const discoverable = (flags & DISCOVERABLE) !== 0;
  const hasAccount = (flags & RP_ACCOUNT) !== 0;
  const accountLength = bytes.length - FIXED_SOURCE_LENGTH;
  if (hasAccount !== accountLength > 0) return undefined;
  if (hasAccount && !discoverable && accountLength !== ACCOUNT_TAG_LENGTH) return undefined;
  const user = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2);
  return { discoverable, alg, user, ...(hasAccount ? { account: bytes.slice(FIXED_SOURCE_LENGTH) } : {}) };
}

/** The credential ID of `source` (encoded) at the RP whose ID hashes to `rpIdHash`. */
export function wrapCredentialId(secrets: PopulationSecrets, rpIdHash: Uint8Array, source: Uint8Array): Uint8Array {
  const iv = syntheticIv(secrets, rpIdHash, source);
  const cipher = createCipheriv("aes-256-ctr", secrets.idEncryption, iv);
  const id = new Uint8Array(HEADER_LENGTH + source.length);
  id[0] = FORMAT;
  id.set(iv, 1);
  id.set(cipher.update(source), HEADER_LENGTH);
  cipher.final();
  return id;
}

/** The encoded source inside `id`, or undefined when `id` is not one of this population's credentials for this RP. */
export function unwrapCredentialId(secrets: PopulationSecrets, rpIdHash: Uint8Array, id: Uint8Array): Uint8Array | undefined {
  if (id.length < HEADER_LENGTH + FIXED_SOURCE_LENGTH || id.length > HEADER_LENGTH + FIXED_SOURCE_LENGTH + MAX_USER_HANDLE || id[0] !== FORMAT) return undefined;
  const iv = id.subarray(1, HEADER_LENGTH);
  const decipher = createCipheriv("aes-256-ctr", secrets.idEncryption, iv);
  const source = new Uint8Array(decipher.update(id.subarray(HEADER_LENGTH)));
  decipher.final();
  return timingSafeEqual(syntheticIv(secrets, rpIdHash, source), iv) ? source : undefined;
}

function syntheticIv(secrets: PopulationSecrets, rpIdHash: Uint8Array, source: Uint8Array): Uint8Array {
  const mac = createHmac("sha256", secrets.idAuthentication).update(Uint8Array.of(FORMAT)).update(rpIdHash).update(source).digest();
  return mac.subarray(0, IV_LENGTH);
}
