/**
 * The metadata record: everything needed to unlock the store, nothing secret
 * in the clear. Stored as plain CBOR under META_KEY.
 *
 * Tampering with it cannot go unnoticed: the scrypt parameters and salt feed
 * the key derivation and the data key is wrapped with AES-GCM, so any change
 * fails the unwrap (reported as a wrong passphrase, since the two cannot be told apart).
 */
import { decodeValue, encodeValue } from "./codec.js";
import { KEY_LENGTH, SALT_LENGTH, validateScryptParams } from "./envelope.js";
import type { ScryptParams } from "./records.js";

export const FORMAT_VERSION = 1;

export interface StoreMeta {
  version: number;
  kdf: "scrypt";
  scrypt: ScryptParams;
  salt: Uint8Array;
  /** The data key sealed under the passphrase-derived key. */
  wrappedDataKey: Uint8Array;
}

export function encodeMeta(meta: StoreMeta): Uint8Array {
  return encodeValue(meta);
}

/** Thrown for a metadata record this version cannot read. */
export class MetaFormatError extends Error {
  override name = "MetaFormatError";
}

export function decodeMeta(bytes: Uint8Array): StoreMeta {
  let value: unknown;
  try {
    value = decodeValue(new Uint8Array(bytes));
  } catch (err) {
    throw new MetaFormatError("metadata record is not valid CBOR", { cause: err });
  }
  if (typeof value !== "object" || value === null) throw new MetaFormatError("metadata record is not a map");
  const meta = value as Partial<StoreMeta>;
  if (meta.version !== FORMAT_VERSION) {
    throw new MetaFormatError(`unsupported store format version ${String(meta.version)} (this softkey reads version ${FORMAT_VERSION})`);
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
  return { version: FORMAT_VERSION, kdf: "scrypt", scrypt: params, salt, wrappedDataKey };
}
