/**
 * Reading a CTAP2 request on the authenticator's side: the body is decoded
 * strictly, then read through the message's field table (src/ctap/messages)
 * with the statuses the spec asks for: a missing parameter is
 * CTAP2_ERR_MISSING_PARAMETER, a parameter of the wrong CBOR type
 * CTAP2_ERR_CBOR_UNEXPECTED_TYPE.
 */
import { CborDecodeError, decodeCbor, encodeCanonical, type CborMap, type CborValue } from "../ctap/cbor.js";
import type { DecodeFailure, Fields, Shape, Table } from "../ctap/schema.js";
import { CtapError, Status } from "../ctap/status.js";

/** What a request decoder throws. */
export const REQUEST_FAILURE: DecodeFailure = {
  missing: (name) => new CtapError(Status.CTAP2_ERR_MISSING_PARAMETER, `${name} is required`),
  wrongType: (name, expected) => new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, `${name} must be ${expected}`),
};

/**
 * How strictly a request's CBOR is read: "canonical", as a key reads it (CTAP 2.2 section 8: a
 * non-canonical request is CTAP2_ERR_INVALID_CBOR, as OpenSK answers it), or "lenient", for a
 * profile that serves clients known to encode sloppily (malformed CBOR is refused either way).
 */
export type RequestCbor = "canonical" | "lenient";

/** Decode a command's parameters; an empty body means "no parameters". */
export function decodeParameters(body: Uint8Array, requestCbor: RequestCbor = "canonical"): CborMap {
  if (body.length === 0) return new Map();
  let value: CborValue;
  try {
    value = decodeCbor(body, { canonical: requestCbor === "canonical" });
  } catch (error) {
    if (error instanceof CborDecodeError) throw new CtapError(Status.CTAP2_ERR_INVALID_CBOR, error.message);
    throw error;
  }
  if (!(value instanceof Map)) throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "parameters must be a map");
  return value;
}

/** A request (or a nested map of one) read through its field table. */
export function readRequest<F extends Fields>(table: Table<F>, map: CborMap, prefix = ""): Shape<F> {
  return table.decodeMap(map, REQUEST_FAILURE, prefix);
}

/** A parameter the table leaves optional but this subCommand needs. */
export function need<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw REQUEST_FAILURE.missing(name);
  return value;
}

/**
 * Re-encode a decoded parameter map as canonical CBOR (the message a pinUvAuthParam covers). A value
 * CTAP never uses (float, tag, undefined, simple value) cannot be re-encoded: CBOR_UNEXPECTED_TYPE.
 */
export function encodeParameters(map: CborMap, name: string): Uint8Array {
  try {
    return encodeCanonical(map);
  } catch (error) {
    if (error instanceof TypeError) throw REQUEST_FAILURE.wrongType(name, "made of CTAP CBOR types (no floats, tags, undefined or simple values)");
    throw error;
  }
}

/** A command's response map, as a field table's encodeMap gives it; the device encodes it canonically. */
export type ResponseMap = Map<number | string, unknown>;
