/**
 * Field checks shared by the importers. Each throws a FieldError naming the
 * field; the importer turns it into one problem of one entry.
 */
import { isIP } from "node:net";
import { fromBase64Url } from "../bytes/base64url.js";

export class FieldError extends Error {
  override name = "FieldError";
}

/** WebAuthn L3: a credential ID is at most 1023 bytes. */
export const MAX_CREDENTIAL_ID = 1023;
/** WebAuthn: a user handle is 1 to 64 bytes. */
export const MAX_USER_HANDLE = 64;
/** The signature counter is a 32-bit unsigned integer in authenticator data. */
export const MAX_SIGN_COUNT = 0xffffffff;

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FieldError(`${what} must be a JSON object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `the string "${value.length > 40 ? `${value.slice(0, 40)}...` : value}"` : typeof value;
}

export function requiredString(object: Record<string, unknown>, field: string): string {
  const value = object[field];
  if (typeof value !== "string") throw new FieldError(`${field} must be a string, got ${value === undefined ? "nothing" : describe(value)}`);
  return value;
}

export function optionalString(object: Record<string, unknown>, field: string): string | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new FieldError(`${field} must be a string, got ${describe(value)}`);
  return value;
}

export function optionalBoolean(object: Record<string, unknown>, field: string): boolean | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new FieldError(`${field} must be true or false, got ${describe(value)}`);
  return value;
}

export function requiredBoolean(object: Record<string, unknown>, field: string): boolean {
  const value = optionalBoolean(object, field);
  if (value === undefined) throw new FieldError(`${field} must be true or false, got nothing`);
  return value;
}

/** Strict standard base64 (RFC 4648 section 4, padded), as CDP's `binary` fields carry bytes. */
export function base64Field(object: Record<string, unknown>, field: string): Uint8Array {
  const text = requiredString(object, field);
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new FieldError(`${field} is not valid base64 (alphabet A-Z a-z 0-9 + /, padded with '=')`);
  }
  const bytes = new Uint8Array(Buffer.from(text, "base64"));
  // Non-zero bits in the last character's padding would decode to the same bytes: refuse them too.
  if (Buffer.from(bytes).toString("base64") !== text) throw new FieldError(`${field} is not canonical base64`);
  return bytes;
}

/** Strict base64url (unpadded, as WebAuthn's JSON and Playwright write it; padding tolerated). */
export function base64UrlField(object: Record<string, unknown>, field: string): Uint8Array {
  const text = requiredString(object, field);
  try {
    return fromBase64Url(text);
  } catch {
    throw new FieldError(`${field} is not valid base64url (alphabet A-Z a-z 0-9 - _)`);
  }
}

export function checkCredentialId(id: Uint8Array, field: string): Uint8Array {
  if (id.length === 0) throw new FieldError(`${field} is empty`);
  if (id.length > MAX_CREDENTIAL_ID) throw new FieldError(`${field} is ${id.length} bytes; WebAuthn allows at most ${MAX_CREDENTIAL_ID}`);
  return id;
}

export function checkUserHandle(handle: Uint8Array, field: string): Uint8Array {
  if (handle.length === 0) throw new FieldError(`${field} is empty`);
  if (handle.length > MAX_USER_HANDLE) throw new FieldError(`${field} is ${handle.length} bytes; WebAuthn allows at most ${MAX_USER_HANDLE}`);
  return handle;
}

/**
 * A sign count: an integer 0..2^32-1. `min` -1 for CDP, where -1 means "no counter" (read as 0);
 * absent is 0 unless `required`.
 */
export function signCountField(object: Record<string, unknown>, field: string, options: { min?: number; required?: boolean } = {}): number {
  const min = options.min ?? 0;
  const value = object[field];
  if (value === undefined && !options.required) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_SIGN_COUNT) {
    throw new FieldError(`${field} must be an integer from ${min} to ${MAX_SIGN_COUNT}, got ${describe(value)}${typeof value === "number" ? ` ${value}` : ""}`);
  }
  return Math.max(value, 0);
}

/**
 * An RP ID as the store keeps it: a bare lowercase domain (punycode for IDNs),
 * without scheme, port or path; an IP address is accepted only because softkey
 * can hold credentials of test rigs that use one.
 */
export function rpIdField(object: Record<string, unknown>, field: string): string {
  const rpId = requiredString(object, field);
  checkRpId(rpId, field);
  return rpId;
}

export function checkRpId(rpId: string, field = "rpId"): void {
  if (rpId === "") throw new FieldError(`${field} is empty`);
  let canonical: string | undefined;
  try {
    canonical = new URL(`https://${rpId}/`).hostname;
  } catch {
    canonical = undefined;
  }
  const bare = rpId.startsWith("[") && rpId.endsWith("]") ? rpId.slice(1, -1) : rpId;
  const isDomain = canonical === rpId && /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(rpId) && rpId.length <= 253;
  if (!isDomain && !(canonical === rpId && isIP(bare) !== 0)) {
    throw new FieldError(`${field} "${rpId}" is not a domain (an RP ID is a bare lowercase domain such as example.com, without scheme, port or path)`);
  }
}
