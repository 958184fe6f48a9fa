/**
 * A value as the keystore stores it: CBOR, sealed under the data key with its
 * own database key as additional data, so a value copied under another key
 * fails to open.
 */
import type { KeyObject } from "node:crypto";
import { decodeValue, encodeValue } from "./codec.js";
import { seal, unseal } from "./envelope.js";
import type { IntegrityError } from "./errors.js";

export function sealValue(dataKey: KeyObject, key: string, value: unknown): Uint8Array {
  const plaintext = encodeValue(value);
  try {
    return seal(dataKey, plaintext, key);
  } finally {
    plaintext.fill(0);
  }
}

/** Any failure (authentication or CBOR) becomes the caller's IntegrityError, which names the record. */
export function unsealValue(dataKey: KeyObject, key: string, sealed: Uint8Array, integrityError: (cause: unknown) => IntegrityError): unknown {
  try {
    return decodeValue(unseal(dataKey, sealed, key));
  } catch (err) {
    throw integrityError(err);
  }
}
