/**
 * The metadata record, plain CBOR under META_KEY. In format 2 it holds only the version: what
 * unlocks the store is in the header file beside LevelDB's (header.ts), read before LevelDB opens.
 * In format 1 (softkey 0.1.0) it held the unlock data itself, as described below; such a store is
 * moved to format 2 on its first open with the right passphrase (lifecycle.ts).
 *
 * Tampering with it cannot go unnoticed: the scrypt parameters and salt feed
 * the key derivation and the data key is wrapped with AES-GCM, so any change
 * fails the unwrap (reported as a wrong passphrase, since the two cannot be told apart).
 */
import { decodeValue, encodeValue } from "./codec.js";
import { KEY_LENGTH, SALT_LENGTH, validateScryptParams } from "./envelope.js";
import type { ScryptParams } from "./records.js";

/** The format of stores this softkey writes; LEGACY_FORMAT_VERSION stores are read and migrated. */
export const FORMAT_VERSION = 2;
export const LEGACY_FORMAT_VERSION = 1;

export interface StoreMeta {
  version: number;
  kdf: "scrypt";
  scrypt: ScryptParams;
  salt: Uint8Array;
  /** The data key sealed under the passphrase-derived key. */
  wrappedDataKey: Uint8Array;
}

/** The format 2 metadata record. */
export function encodeMeta(): Uint8Array {
  return encodeValue({ version: FORMAT_VERSION });
}

/** The format version a metadata record names (MetaFormatError when it is not a metadata record at all). */
export function metaVersion(bytes: Uint8Array): number {
  let value: unknown;
  try {
    value = decodeValue(new Uint8Array(bytes));
  } catch (err) {
    throw new MetaFormatError("metadata record is not valid CBOR", { cause: err });
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version !== "number") throw new MetaFormatError("metadata record has no format version");
  return version;
}

/** Thrown for a metadata record this version cannot read. */
export class MetaFormatError extends Error {
  override name = "MetaFormatError";
}

/** A format 1 metadata record, with the unlock data of a softkey 0.1.0 store. */
export function decodeLegacyMeta(bytes: Uint8Array): StoreMeta {
  let value: unknown;
  try {
    value = decodeValue(new Uint8Array(bytes));
  } catch (err) {
    throw new MetaFormatError("metadata record is not valid CBOR", { cause: err });
  }
  if (typeof value !== "object" || value === null) throw new MetaFormatError("metadata record is not a map");
  const meta = value as Partial<StoreMeta>;
  if (meta.version !== LEGACY_FORMAT_VERSION) {
    throw new MetaFormatError(`unsupported store format version ${String(meta.version)} (this softkey reads versions ${LEGACY_FORMAT_VERSION} and ${FORMAT_VERSION})`);
  }
  if (meta.kdf !== "scrypt") throw new MetaFormatError(`unsupported key derivation ${String(meta.kdf)}`);
  const { scrypt, salt, wrappedDataKey } = meta;
  if (typeof scrypt !== "object" || scrypt === null) throw new MetaFormatError("metadata has no scrypt parameters");
  const params: ScryptParams = { N: scrypt.N, r: scrypt.r, p: scrypt.p };
  try {
    validateScryptParams(params);
  } catch (err) {
    throw new MetaFormatError((err as Error).message, { cause: err });
  }
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_LENGTH) throw new MetaFormatError("metadata salt is malformed");
  if (!(wrappedDataKey instanceof Uint8Array) || wrappedDataKey.length <= KEY_LENGTH) {
    throw new MetaFormatError("metadata wrapped key is malformed");
  }
  return { version: LEGACY_FORMAT_VERSION, kdf: "scrypt", scrypt: params, salt, wrappedDataKey };
}
