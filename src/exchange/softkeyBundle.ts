/**
 * `--format softkey`: an encrypted bundle of full credential records, for
 * moving credentials between softkey stores without losing anything (user,
 * discoverability, extension state such as hmac-secret keys and credProtect,
 * backup flags, counters).
 *
 * The envelope is JSON:
 *
 *   { format: "softkey-bundle", version: 1,
 *     kdf: { name: "scrypt", N, r, p, salt },      salt base64url
 *     keyCheck,                                    base64url, 16 bytes
 *     nonce, ciphertext }                          base64url; AES-256-GCM, tag appended
 *
 * scrypt(passphrase, salt) gives a master key; HKDF-SHA256 splits it into the
 * AES-256-GCM key and a check key. keyCheck = HMAC(check key, header) tells a
 * wrong passphrase (keyCheck differs) from an altered ciphertext (keyCheck
 * matches, GCM fails). The header (format, version, kdf) is the GCM additional
 * data, so it cannot be changed either. The plaintext is CBOR, encoded as the
 * keystore seals its own records: `{ credentials: [{ record, signCount }] }`.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import { decodeValue, encodeValue } from "../keystore/codec.js";
import { deriveKey, validateScryptParams } from "../keystore/envelope.js";
import type { CredentialRecord } from "../authenticator/store.js";
import type { ScryptParams } from "../keystore/records.js";
import { rpIdHashOf, type ExchangeEntry, type ExchangeProgress } from "./entry.js";
import { ExchangeError, InvalidEntriesError, type EntryProblem } from "./errors.js";
import { FieldError, MAX_SIGN_COUNT, asObject, checkCredentialId, checkRpId, checkUserHandle, describe } from "./fields.js";
import { checkStoredPair } from "./keys.js";
import { bytesEqual } from "../bytes/equal.js";

export const BUNDLE_FORMAT = "softkey-bundle";
export const BUNDLE_VERSION = 1;

/** scrypt N=2^16, r=8, p=1 (64 MiB): a bundle is a file that may travel, so it costs more to guess than a store's N=2^14. */
export const DEFAULT_BUNDLE_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 16, r: 8, p: 1 });

/** A bundle may ask for at most this much scrypt memory (128 * r * N bytes): a hostile file must not take gigabytes. */
const MAX_SCRYPT_MEMORY = 1 << 30;

const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const KEY_CHECK_LENGTH = 16;

export interface SoftkeyBundle {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  keyCheck: string;
  nonce: string;
  ciphertext: string;
}

export interface SealOptions {
  /** scrypt cost for the bundle passphrase; DEFAULT_BUNDLE_SCRYPT unless given. */
  scrypt?: ScryptParams;
}

export async function sealBundle(entries: readonly ExchangeEntry[], passphrase: string, options: SealOptions = {}): Promise<SoftkeyBundle> {
  assertBundlePassphrase(passphrase);
  const params = { ...(options.scrypt ?? DEFAULT_BUNDLE_SCRYPT) };
  validateScryptParams(params);
  const kdf = { name: "scrypt" as const, N: params.N, r: params.r, p: params.p, salt: b64u(randomBytes(32)) };
  const header = headerOf(kdf);
  const { encryptionKey, keyCheck } = await bundleKeys(passphrase, kdf, header);
  const plaintext = encodeValue({ credentials: entries.map(({ record, signCount }) => ({ record, signCount })) });
  try {
    const nonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv("aes-256-gcm", encryptionKey, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(Buffer.from(header, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, kdf, keyCheck: b64u(keyCheck), nonce: b64u(nonce), ciphertext: b64u(body) };
  } finally {
    plaintext.fill(0);
  }
}

/** Decrypt and validate every entry; throws ExchangeError (WRONG_PASSPHRASE, INTEGRITY, INVALID) or InvalidEntriesError. */
export async function openBundle(value: unknown, passphrase: string, onProgress?: ExchangeProgress): Promise<ExchangeEntry[]> {
  assertBundlePassphrase(passphrase);
  const envelope = parseEnvelope(value);
  const header = headerOf(envelope.kdf);
  const { encryptionKey, keyCheck } = await bundleKeys(passphrase, envelope.kdf, header);
  if (envelope.keyCheck.length !== keyCheck.length || !timingSafeEqual(envelope.keyCheck, keyCheck)) {
    throw new ExchangeError("WRONG_PASSPHRASE", "wrong bundle passphrase (or the bundle's header was altered): nothing was imported");
  }
  let plaintext: Uint8Array;
  try {
    const body = envelope.ciphertext.subarray(0, envelope.ciphertext.length - TAG_LENGTH);
    const decipher = createDecipheriv("aes-256-gcm", encryptionKey, envelope.nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(Buffer.from(header, "utf8"));
    decipher.setAuthTag(envelope.ciphertext.subarray(envelope.ciphertext.length - TAG_LENGTH));
    plaintext = new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch (cause) {
    throw new ExchangeError("INTEGRITY", "the bundle failed its integrity check (altered or truncated ciphertext): nothing was imported", { cause });
  }
  let content: unknown;
  try {
    content = decodeValue(plaintext);
  } catch (cause) {
    throw new ExchangeError("INVALID", "the bundle decrypted but its content is not CBOR", { cause });
  }
  const list = (content as { credentials?: unknown } | null)?.credentials;
  if (!Array.isArray(list)) throw new ExchangeError("INVALID", "the bundle decrypted but holds no credentials list");
  return validateEntries(list, onProgress);
}

function validateEntries(list: unknown[], onProgress: ExchangeProgress | undefined): ExchangeEntry[] {
  const entries: ExchangeEntry[] = [];
  const problems: EntryProblem[] = [];
  list.forEach((item, index) => {
    try {
      entries.push(validateEntry(item));
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      const id = (item as { record?: { id?: unknown } } | null)?.record?.id;
      problems.push({ index, message: error.message, ...(id instanceof Uint8Array ? { credentialId: b64u(id) } : {}) });
    }
    onProgress?.(index + 1, list.length);
  });
  if (problems.length > 0) throw new InvalidEntriesError(problems, list.length);
  return entries;
}

function validateEntry(item: unknown): ExchangeEntry {
  const entry = asObject(item, "entry");
  const record = asObject(entry.record, "record") as Partial<CredentialRecord> & Record<string, unknown>;
  const signCount = entry.signCount;
  if (typeof signCount !== "number" || !Number.isSafeInteger(signCount) || signCount < 0 || signCount > MAX_SIGN_COUNT) {
    throw new FieldError(`signCount must be an integer from 0 to ${MAX_SIGN_COUNT}, got ${describe(signCount)}`);
  }
  const id = bytes(record, "id");
  checkCredentialId(id, "id");
  if (typeof record.rpId !== "string") throw new FieldError(`rpId must be a string, got ${describe(record.rpId)}`);
  checkRpId(record.rpId);
  if (!bytesEqual(bytes(record, "rpIdHash"), rpIdHashOf(record.rpId))) throw new FieldError(`rpIdHash is not SHA-256 of rpId "${record.rpId}"`);
  // Every algorithm softkey implements travels in its bundle, ML-DSA included.
  checkStoredPair(record.alg, bytes(record, "privateKey"), bytes(record, "publicKey"));
  if (typeof record.discoverable !== "boolean") throw new FieldError(`discoverable must be true or false, got ${describe(record.discoverable)}`);
  if (typeof record.createdAt !== "number" || !Number.isFinite(record.createdAt)) throw new FieldError(`createdAt must be a number, got ${describe(record.createdAt)}`);
  for (const field of ["backupEligible", "backupState"] as const) {
    if (record[field] !== undefined && typeof record[field] !== "boolean") throw new FieldError(`${field} must be true or false, got ${describe(record[field])}`);
  }
  if (record.backupState && !record.backupEligible) throw new FieldError("backupState true needs backupEligible true (WebAuthn L3: BS=1 requires BE=1)");
  if (record.rpName !== undefined && typeof record.rpName !== "string") throw new FieldError(`rpName must be a string, got ${describe(record.rpName)}`);
  if (record.user !== undefined) {
    const user = asObject(record.user, "user");
    checkUserHandle(bytes(user, "id", "user.id"), "user.id");
    for (const field of ["name", "displayName"]) {
      if (user[field] !== undefined && typeof user[field] !== "string") throw new FieldError(`user.${field} must be a string, got ${describe(user[field])}`);
    }
  } else if (record.discoverable) {
    throw new FieldError("a discoverable credential needs a user");
  }
  if (record.extensions !== undefined) asObject(record.extensions, "extensions");
  return { record: record as CredentialRecord, signCount };
}

function bytes(object: Record<string, unknown>, field: string, label = field): Uint8Array {
  const value = object[field];
  if (!(value instanceof Uint8Array)) throw new FieldError(`${label} must be a byte string, got ${describe(value)}`);
  return value;
}

interface Envelope {
  kdf: SoftkeyBundle["kdf"];
  keyCheck: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

function parseEnvelope(value: unknown): Envelope {
  const invalid = (why: string) => new ExchangeError("INVALID", `not a softkey bundle: ${why}`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`expected a JSON object, got ${describe(value)}`);
  const o = value as Record<string, unknown>;
  if (o.format !== BUNDLE_FORMAT) throw invalid(`format must be "${BUNDLE_FORMAT}", got ${describe(o.format)}`);
  if (o.version !== BUNDLE_VERSION) throw invalid(`version ${String(o.version)} is not supported (this softkey reads version ${BUNDLE_VERSION})`);
  const kdf = o.kdf as Record<string, unknown> | null;
  if (typeof kdf !== "object" || kdf === null || kdf.name !== "scrypt") throw invalid(`kdf must be { name: "scrypt", N, r, p, salt }`);
  const params = { N: kdf.N as number, r: kdf.r as number, p: kdf.p as number };
  try {
    validateScryptParams(params);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  if (128 * params.r * params.N > MAX_SCRYPT_MEMORY) throw invalid(`its scrypt cost (N=${params.N}, r=${params.r}) needs more than ${MAX_SCRYPT_MEMORY >> 20} MiB`);
  const field = (name: string, from: Record<string, unknown>, length?: number): Uint8Array => {
    const text = from[name];
    if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) throw invalid(`${name} must be a base64url string`);
    const decoded = new Uint8Array(Buffer.from(text, "base64url"));
    if (length !== undefined && decoded.length !== length) throw invalid(`${name} must be ${length} bytes, got ${decoded.length}`);
    return decoded;
  };
  const salt = field("salt", kdf);
  if (salt.length < 16) throw invalid("salt must be at least 16 bytes");
  const ciphertext = field("ciphertext", o);
  if (ciphertext.length < TAG_LENGTH) throw invalid("ciphertext is truncated");
  return {
    kdf: { name: "scrypt", ...params, salt: kdf.salt as string },
    keyCheck: field("keyCheck", o, KEY_CHECK_LENGTH),
    nonce: field("nonce", o, NONCE_LENGTH),
    ciphertext,
  };
}

/** The GCM additional data and keyCheck input: everything in the envelope but the secrets' outputs, in a fixed order. */
function headerOf(kdf: SoftkeyBundle["kdf"]): string {
  return JSON.stringify([BUNDLE_FORMAT, BUNDLE_VERSION, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt]);
}

async function bundleKeys(passphrase: string, kdf: SoftkeyBundle["kdf"], header: string): Promise<{ encryptionKey: Buffer; keyCheck: Buffer }> {
  const master: KeyObject = await deriveKey(passphrase, Buffer.from(kdf.salt, "base64url"), kdf);
  const encryptionKey = Buffer.from(hkdfSync("sha256", master, new Uint8Array(0), "softkey-bundle v1 encryption", 32));
  const checkKey = Buffer.from(hkdfSync("sha256", master, new Uint8Array(0), "softkey-bundle v1 key check", 32));
  const keyCheck = createHmac("sha256", checkKey).update(header, "utf8").digest().subarray(0, KEY_CHECK_LENGTH);
  checkKey.fill(0);
  return { encryptionKey, keyCheck };
}

function assertBundlePassphrase(passphrase: unknown): void {
  if (typeof passphrase !== "string" || passphrase === "") throw new ExchangeError("INVALID", "the bundle passphrase must be a non-empty string");
}

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}
