/**
 * The large-blob array (CTAP 2.1 sections 6.10.3 and 6.10.4): a CBOR array
 * of entries, serialized with LEFT(SHA-256(array), 16) appended, read and
 * written through authenticatorLargeBlobs in fragments of at most
 * maxMsgSize - 64 bytes. Each entry belongs to the credential whose
 * largeBlobKey decrypts it:
 *
 *   { 1: ciphertext (AES-256-GCM, tag appended), 2: nonce (12 bytes), 3: origSize }
 *
 * with associated data "blob" || uint64LE(origSize), over the blob
 * DEFLATE-compressed (RFC 1951, raw).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { decodeCbor, encodeCanonical, type CborMap, type CborValue } from "../../ctap/cbor.js";
import { largeBlobsSetMessage } from "../../ctap/messages/largeBlobs.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { authenticatorLargeBlobs } from "../ctap/authenticatorLargeBlobs.js";
import type { AuthenticatorInfo } from "../ctap/authenticatorGetInfo.js";
import { malformed, type CallOptions } from "../ctap/command.js";
import type { PinUvAuthToken } from "../pin/pinUvAuthToken.js";
import { pinUvAuthParam } from "../pin/pinUvAuthToken.js";

/** CTAP 2.1 section 6.4: maxMsgSize defaults to 1024; maxSerializedLargeBlobArray is at least 1024. */
const DEFAULT_MAX_MSG_SIZE = 1024;
const MIN_SERIALIZED_ARRAY = 1024;
const FRAGMENT_OVERHEAD = 64;
const HASH_LENGTH = 16;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const KEY_LENGTH = 32;

const Entry = { ciphertext: 0x01, nonce: 0x02, origSize: 0x03 } as const;

export class LargeBlobArrayTooLarge extends Error {
  override name = "LargeBlobArrayTooLarge";
}

export function maxFragmentLength(info: AuthenticatorInfo): number {
  return (info.maxMsgSize ?? DEFAULT_MAX_MSG_SIZE) - FRAGMENT_OVERHEAD;
}

/**
 * The array's entries. A serialized array whose trailing hash does not match
 * is treated as empty, as section 6.10.3 tells the platform to.
 */
export async function readLargeBlobArray(
  transport: CtapTransport,
  info: AuthenticatorInfo,
  call?: CallOptions,
): Promise<CborValue[]> {
  const fragment = maxFragmentLength(info);
  const limit = Math.max(info.maxSerializedLargeBlobArray ?? MIN_SERIALIZED_ARRAY, MIN_SERIALIZED_ARRAY);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const chunk = (await authenticatorLargeBlobs(transport, { get: fragment, offset }, call)) ?? new Uint8Array(0);
    if (chunk.length > fragment) throw malformed("authenticatorLargeBlobs", `${chunk.length} bytes answer a get of ${fragment}`);
    chunks.push(chunk);
    offset += chunk.length;
    if (chunk.length < fragment) break;
    if (offset > limit) throw malformed("authenticatorLargeBlobs", `the array goes on past maxSerializedLargeBlobArray (${limit})`);
  }
  return parseSerializedArray(Buffer.concat(chunks));
}

export function parseSerializedArray(serialized: Uint8Array): CborValue[] {
  if (serialized.length < 1 + HASH_LENGTH) return [];
  const body = serialized.subarray(0, serialized.length - HASH_LENGTH);
  const hash = serialized.subarray(serialized.length - HASH_LENGTH);
  if (Buffer.compare(truncatedHash(body), hash) !== 0) return [];
  try {
    const array = decodeCbor(body);
    return Array.isArray(array) ? array : [];
  } catch {
    return [];
  }
}

export function serializeArray(entries: CborValue[]): Uint8Array {
  const body = encodeCanonical(entries);
  return Buffer.concat([body, truncatedHash(body)]);
}

/**
 * Write the whole array, fragment by fragment. With a token, each fragment
 * carries pinUvAuthParam = authenticate(token, 32 x 0xff || 0x0c 0x00 ||
 * uint32LE(offset) || SHA-256(fragment)); the token needs the lbw permission.
 */
export async function writeLargeBlobArray(
  transport: CtapTransport,
  info: AuthenticatorInfo,
  entries: CborValue[],
  token: PinUvAuthToken | undefined,
  call?: CallOptions,
): Promise<void> {
  const serialized = serializeArray(entries);
  const limit = info.maxSerializedLargeBlobArray ?? MIN_SERIALIZED_ARRAY;
  if (serialized.length > limit) {
    throw new LargeBlobArrayTooLarge(`the large-blob array would be ${serialized.length} bytes; the authenticator stores ${limit}`);
  }
  const fragment = maxFragmentLength(info);
  for (let offset = 0; offset < serialized.length; offset += fragment) {
    const set = serialized.subarray(offset, offset + fragment);
    await authenticatorLargeBlobs(
      transport,
      {
        set,
        offset,
        ...(offset === 0 ? { length: serialized.length } : {}),
        ...(token ? { pinUvAuthParam: pinUvAuthParam(token, largeBlobsSetMessage(offset, set)), pinUvAuthProtocol: token.version } : {}),
      },
      call,
    );
  }
}

/** The blob of the entry `key` decrypts, or undefined when none does. */
export function findBlob(entries: CborValue[], key: Uint8Array): Uint8Array | undefined {
  for (const entry of entries) {
    const blob = decryptEntry(entry, key);
    if (blob) return blob;
  }
  return undefined;
}

/** The array with `key`'s entry replaced by (or, when it has none, extended with) `blob`. */
export function withBlob(entries: CborValue[], key: Uint8Array, blob: Uint8Array): CborValue[] {
  const entry = encryptEntry(blob, key);
  // Entries CTAP's CBOR cannot carry (floats, tags) could not be written back; they are dropped.
  const kept = entries.filter(encodable);
  const index = kept.findIndex((e) => decryptEntry(e, key) !== undefined);
  return index === -1 ? [...kept, entry] : kept.map((e, i) => (i === index ? entry : e));
}

function encodable(value: CborValue): boolean {
  try {
    encodeCanonical(value);
    return true;
  } catch {
    return false;
  }
}

export function encryptEntry(blob: Uint8Array, key: Uint8Array): CborMap {
  const nonce = new Uint8Array(randomBytes(NONCE_LENGTH));
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(associatedData(blob.length));
  const ciphertext = Buffer.concat([cipher.update(deflateRawSync(blob)), cipher.final(), cipher.getAuthTag()]);
  return new Map<number | string, CborValue>([
    [Entry.ciphertext, new Uint8Array(ciphertext)],
    [Entry.nonce, nonce],
    [Entry.origSize, blob.length],
  ]);
}

export function decryptEntry(entry: CborValue, key: Uint8Array): Uint8Array | undefined {
  if (!(entry instanceof Map) || key.length !== KEY_LENGTH) return undefined;
  const ciphertext = entry.get(Entry.ciphertext);
  const nonce = entry.get(Entry.nonce);
  const origSize = entry.get(Entry.origSize);
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < TAG_LENGTH) return undefined;
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_LENGTH) return undefined;
  if (typeof origSize !== "number" || !Number.isSafeInteger(origSize) || origSize < 0) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(associatedData(origSize));
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LENGTH));
    const compressed = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_LENGTH)), decipher.final()]);
    // Never inflate past what the entry claims (a deflate bomb under a valid key is still a bomb).
    const blob = inflateRawSync(compressed, { maxOutputLength: Math.max(origSize, 1) });
    return blob.length === origSize ? new Uint8Array(blob) : undefined;
  } catch {
    return undefined;
  }
}

function associatedData(origSize: number): Uint8Array {
  const ad = new Uint8Array(4 + 8);
  ad.set(new TextEncoder().encode("blob"), 0);
  new DataView(ad.buffer).setBigUint64(4, BigInt(origSize), true);
  return ad;
}

function truncatedHash(body: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(body).digest().subarray(0, HASH_LENGTH));
}
