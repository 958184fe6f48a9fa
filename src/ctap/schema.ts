/**
 * Field tables for CTAP messages: each message is declared once, as a table
 * of fields with the CBOR key beside each one (as 1Password's passkey-types
 * writes its structs), and both its encoder and its decoder derive from that
 * table. The authenticator decodes requests and encodes responses; a client
 * does the opposite; the same table serves both.
 *
 * A decoder is told what to throw: the authenticator raises CTAP statuses
 * (CTAP2_ERR_MISSING_PARAMETER, CTAP2_ERR_CBOR_UNEXPECTED_TYPE), a client a
 * malformed-response error. Members a table does not name are ignored, as
 * CTAP 2.2 section 8 asks of both sides for forward compatibility.
 */
import type { CborMap, CborValue } from "./cbor.js";

/** What a decoder throws; each returns the error to throw. */
export interface DecodeFailure {
  missing(name: string): Error;
  wrongType(name: string, expected: string): Error;
}

/** How one CBOR value becomes a T and back. `name` is the value's path, for messages ("rp.id", "allowList[2]"). */
export interface Codec<T> {
  decode(value: CborValue, name: string, fail: DecodeFailure): T;
  encode(value: T): unknown;
}

/** One entry of a table: its CBOR key, its codec, and whether it may be absent. */
export interface Field<T, Optional extends boolean> {
  readonly key: number | string;
  readonly codec: Codec<T>;
  readonly optional: Optional;
}

// Fields are declared with `any` values so tables of mixed field types stay assignable; the mapped types below recover each field's own T.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Fields = Record<string, Field<any, boolean>>;

type FieldValue<F> = F extends Field<infer T, boolean> ? T : never;
type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends Field<unknown, false> ? K : never }[keyof F];
type OptionalKeys<F extends Fields> = Exclude<keyof F, RequiredKeys<F>>;

/** The typed value a table describes. */
export type Shape<F extends Fields> = { -readonly [K in RequiredKeys<F>]: FieldValue<F[K]> } & { -readonly [K in OptionalKeys<F>]?: FieldValue<F[K]> };

export function required<T>(key: number | string, codec: Codec<T>): Field<T, false> {
  return { key, codec, optional: false };
}

export function optional<T>(key: number | string, codec: Codec<T>): Field<T, true> {
  return { key, codec, optional: true };
}

function primitive<T>(expected: string, accept: (value: CborValue) => value is CborValue & T): Codec<T> {
  return {
    decode(value, name, fail) {
      if (!accept(value)) throw fail.wrongType(name, expected);
      return value;
    },
    encode: (value) => value,
  };
}

export const bytes: Codec<Uint8Array> = primitive("a byte string", (v): v is Uint8Array => v instanceof Uint8Array);
export const text: Codec<string> = primitive("a text string", (v): v is string => typeof v === "string");
export const bool: Codec<boolean> = primitive("a boolean", (v): v is boolean => typeof v === "boolean");
/** An integer of either sign that fits a JavaScript number. */
export const int: Codec<number> = primitive("an integer", (v): v is number => typeof v === "number" && Number.isSafeInteger(v));
/** An unsigned integer (major type 0). */
export const uint: Codec<number> = primitive("an unsigned integer", (v): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0);
/** Any CBOR map, kept as decoded (extension inputs, COSE keys, attestation statements). */
export const anyMap: Codec<CborMap> = primitive("a map", (v): v is CborMap => v instanceof Map);
/** Any CBOR value at all. */
export const anyValue: Codec<CborValue> = { decode: (value) => value, encode: (value) => value };

export function arrayOf<T>(element: Codec<T>): Codec<T[]> {
  return {
    decode(value, name, fail) {
      if (!Array.isArray(value)) throw fail.wrongType(name, "an array");
      return value.map((item, i) => element.decode(item, `${name}[${i}]`, fail));
    },
    encode: (value) => value.map((item) => element.encode(item)),
  };
}

/** A map of text keys to booleans (the options maps). */
export const booleanMap: Codec<Map<string, boolean>> = {
  decode(value, name, fail) {
    if (!(value instanceof Map)) throw fail.wrongType(name, "a map");
    const result = new Map<string, boolean>();
    for (const [key, item] of value) {
      if (typeof key !== "string") throw fail.wrongType(`${name} keys`, "text strings");
      if (typeof item !== "boolean") throw fail.wrongType(`${name}.${key}`, "a boolean");
      result.set(key, item);
    }
    return result;
  },
  encode: (value) => value,
};

/** A table read from or written to a CBOR map. */
export interface Table<F extends Fields> extends Codec<Shape<F>> {
  readonly fields: F;
  /** Decode a whole map (a message body); `prefix` names nested tables in messages. */
  decodeMap(map: CborMap, fail: DecodeFailure, prefix?: string): Shape<F>;
  /** Encode to a map with the members that are present; canonical order is the encoder's job. */
  encodeMap(value: Shape<F>): Map<number | string, unknown>;
}

export function table<F extends Fields>(fields: F): Table<F> {
  const entries = Object.entries(fields);
  const decodeMap = (map: CborMap, fail: DecodeFailure, prefix = ""): Shape<F> => {
    const out: Record<string, unknown> = {};
    for (const [name, field] of entries) {
      const path = prefix + name;
      const value = map.get(field.key);
      if (value === undefined) {
        if (!field.optional) throw fail.missing(path);
        continue;
      }
      out[name] = field.codec.decode(value, path, fail);
    }
    return out as Shape<F>;
  };
  const encodeMap = (value: Shape<F>): Map<number | string, unknown> => {
    const map = new Map<number | string, unknown>();
    for (const [name, field] of entries) {
      const item = (value as Record<string, unknown>)[name];
      if (item !== undefined) map.set(field.key, field.codec.encode(item));
    }
    return map;
  };
  return {
    fields,
    decodeMap,
    encodeMap,
    decode(value, name, fail) {
      if (!(value instanceof Map)) throw fail.wrongType(name, "a map");
      return decodeMap(value, fail, `${name}.`);
    },
    encode: encodeMap,
  };
}
