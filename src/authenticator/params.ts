/**
 * Typed access to a decoded CTAP2 request, answering with the exact status
 * the spec asks for: a missing parameter is CTAP2_ERR_MISSING_PARAMETER, a
 * parameter of the wrong CBOR type is CTAP2_ERR_CBOR_UNEXPECTED_TYPE.
 */
import { CborDecodeError, decodeCbor, encodeCanonical, type CborMap, type CborValue } from "../ctap/cbor.js";
import { CtapError, Status } from "../ctap/status.js";

type Key = number | string;

/** Decode a command's parameters; an empty body means "no parameters". */
export function decodeParameters(body: Uint8Array): CborMap {
  if (body.length === 0) return new Map();
  let value: CborValue;
  try {
    value = decodeCbor(body);
  } catch (error) {
    if (error instanceof CborDecodeError) throw new CtapError(Status.CTAP2_ERR_INVALID_CBOR, error.message);
    throw error;
  }
  if (!(value instanceof Map)) throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "parameters must be a map");
  return value;
}

function missing(name: string): never {
  throw new CtapError(Status.CTAP2_ERR_MISSING_PARAMETER, `${name} is required`);
}

function wrongType(name: string, expected: string): never {
  throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, `${name} must be ${expected}`);
}

/**
 * Re-encode a decoded parameter map as canonical CBOR (the message a pinUvAuthParam covers). A value
 * CTAP never uses (float, tag, undefined, simple value) cannot be re-encoded: CBOR_UNEXPECTED_TYPE.
 */
export function encodeParameters(map: CborMap, name: string): Uint8Array {
  try {
    return encodeCanonical(map);
  } catch (error) {
    if (error instanceof TypeError) wrongType(name, "made of CTAP CBOR types (no floats, tags, undefined or simple values)");
    throw error;
  }
}

export function isMap(value: CborValue | undefined): value is CborMap {
  return value instanceof Map;
}

export function optionalBytes(map: CborMap, key: Key, name: string): Uint8Array | undefined {
  const value = map.get(key);
  if (value === undefined) return undefined;
  return value instanceof Uint8Array ? value : wrongType(name, "a byte string");
}

export function requireBytes(map: CborMap, key: Key, name: string): Uint8Array {
  return optionalBytes(map, key, name) ?? missing(name);
}

export function optionalText(map: CborMap, key: Key, name: string): string | undefined {
  const value = map.get(key);
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : wrongType(name, "a text string");
}

export function requireText(map: CborMap, key: Key, name: string): string {
  return optionalText(map, key, name) ?? missing(name);
}

export function optionalMap(map: CborMap, key: Key, name: string): CborMap | undefined {
  const value = map.get(key);
  if (value === undefined) return undefined;
  return value instanceof Map ? value : wrongType(name, "a map");
}

export function requireMap(map: CborMap, key: Key, name: string): CborMap {
  return optionalMap(map, key, name) ?? missing(name);
}

export function optionalArray(map: CborMap, key: Key, name: string): CborValue[] | undefined {
  const value = map.get(key);
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : wrongType(name, "an array");
}

export function requireArray(map: CborMap, key: Key, name: string): CborValue[] {
  return optionalArray(map, key, name) ?? missing(name);
}

export function optionalInteger(map: CborMap, key: Key, name: string): number | undefined {
  const value = map.get(key);
  if (value === undefined) return undefined;
  return typeof value === "number" && Number.isSafeInteger(value) ? value : wrongType(name, "an integer");
}

export function requireInteger(map: CborMap, key: Key, name: string): number {
  return optionalInteger(map, key, name) ?? missing(name);
}

export function optionalBoolean(map: CborMap, key: Key, name: string): boolean | undefined {
  const value = map.get(key);
  if (value === undefined) return undefined;
  return typeof value === "boolean" ? value : wrongType(name, "a boolean");
}

/** A PublicKeyCredentialDescriptor {type, id, transports?}; undefined for a type other than "public-key". */
export function credentialDescriptor(value: CborValue, name: string): Uint8Array | undefined {
  if (!isMap(value)) wrongType(name, "a map");
  const type = requireText(value, "type", `${name}.type`);
  const id = requireBytes(value, "id", `${name}.id`);
  const transports = optionalArray(value, "transports", `${name}.transports`);
  transports?.forEach((t) => typeof t === "string" || wrongType(`${name}.transports`, "an array of text strings"));
  return type === "public-key" ? id : undefined;
}

/** A list of credential descriptors (excludeList, allowList), keeping only public-key ones. */
export function credentialDescriptorList(map: CborMap, key: Key, name: string): Uint8Array[] | undefined {
  const list = optionalArray(map, key, name);
  if (list === undefined) return undefined;
  const ids: Uint8Array[] = [];
  list.forEach((entry, i) => {
    const id = credentialDescriptor(entry, `${name}[${i}]`);
    if (id) ids.push(id);
  });
  return ids;
}

/** The options map: text keys with boolean values; unknown options are ignored as the spec says. */
export function optionsMap(map: CborMap, key: Key): Map<string, boolean> {
  const options = optionalMap(map, key, "options");
  const result = new Map<string, boolean>();
  if (!options) return result;
  for (const [name, value] of options) {
    if (typeof name !== "string") wrongType("option names", "text strings");
    if (typeof value !== "boolean") wrongType(`option ${name}`, "a boolean");
    result.set(name, value);
  }
  return result;
}
