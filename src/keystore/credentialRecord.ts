/**
 * One credential record as stored: checked on the way in, sealed under its
 * database key, checked again on the way out, and copied for callers.
 */
import type { KeyObject } from "node:crypto";
import type { CredentialRecord } from "../authenticator/store.js";
import { decodeValue, encodeValue } from "./codec.js";
import { seal } from "./envelope.js";
import { IntegrityError } from "./errors.js";
import { unsealValue } from "./sealedValue.js";

/**
 * Seal a credential record, and decode the very plaintext that was sealed
 * for the cache: the cached copy is then exactly what a later read returns,
 * and shares no memory with the caller's object.
 */
export function sealCredential(dataKey: KeyObject, key: string, record: CredentialRecord): { sealed: Uint8Array; decoded: CredentialRecord } {
  const plaintext = encodeValue(record);
  const sealed = seal(dataKey, plaintext, key);
  return { sealed, decoded: decodeValue(plaintext) as CredentialRecord };
}

/** Unseal the record at `key`; IntegrityError when it fails authentication or is not a credential record. */
export function openCredential(dataKey: KeyObject, key: string, sealed: Uint8Array, credentialId: Uint8Array): CredentialRecord {
  const value = unsealValue(dataKey, key, sealed, (cause) => IntegrityError.forCredential(key, credentialId, "record", cause));
  if (!isCredentialRecord(value)) {
    throw IntegrityError.forCredential(key, credentialId, "record", new Error("decrypted record is not a credential record"));
  }
  return value;
}

/**
 * Records handed out are shallow copies of the cached one, so callers can
 * reassign fields freely. Byte arrays are shared with the cache: treat them as read-only.
 */
export function forCaller(record: CredentialRecord): CredentialRecord {
  const copy = { ...record };
  if (record.user !== undefined) copy.user = { ...record.user };
  return copy;
}

export function assertSignCount(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`sign count must be a non-negative integer, got ${value}`);
}

export function assertCredentialRecord(record: CredentialRecord): void {
  if (!(record.id instanceof Uint8Array) || record.id.length === 0) throw new TypeError("credential id must be a non-empty Uint8Array");
  if (!(record.rpIdHash instanceof Uint8Array) || record.rpIdHash.length !== 32) throw new TypeError("rpIdHash must be 32 bytes");
  if (!(record.privateKey instanceof Uint8Array) || !(record.publicKey instanceof Uint8Array)) {
    throw new TypeError("privateKey and publicKey must be Uint8Arrays");
  }
}

function isCredentialRecord(value: unknown): value is CredentialRecord {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Partial<CredentialRecord>;
  return (
    r.id instanceof Uint8Array &&
    r.rpIdHash instanceof Uint8Array &&
    r.privateKey instanceof Uint8Array &&
    r.publicKey instanceof Uint8Array &&
    typeof r.rpId === "string" &&
    typeof r.alg === "number" &&
    typeof r.discoverable === "boolean"
  );
}
