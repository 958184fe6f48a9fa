/**
 * How many bytes the one CBOR item at `offset` occupies. Authenticator data
 * concatenates a COSE key and an extensions map with no length prefix
 * (WebAuthn L3 section 6.5.1), so the only way to find where the key ends is
 * to walk its structure. Values are decoded afterwards with the strict
 * `decodeCbor` on exactly these bytes.
 */

export class CborLengthError extends Error {
  override name = "CborLengthError";
}

const MAX_DEPTH = 16;

export function cborItemLength(bytes: Uint8Array, offset = 0): number {
  return skip(bytes, offset, 0) - offset;
}

function skip(bytes: Uint8Array, start: number, depth: number): number {
  if (depth > MAX_DEPTH) throw new CborLengthError("CBOR nested too deeply");
  const head = byteAt(bytes, start);
  const major = head >> 5;
  const info = head & 0x1f;
  if (info === 31) throw new CborLengthError("indefinite-length CBOR is not allowed");
  if (info >= 28) throw new CborLengthError("reserved CBOR additional information");
  let offset = start + 1;
  let argument = info;
  if (info >= 24) {
    const size = 1 << (info - 24);
    if (offset + size > bytes.length) throw new CborLengthError("truncated CBOR");
    argument = 0;
    // Above 2^53 no item can fit in memory anyway; the length check below catches it.
    for (let i = 0; i < size; i++) argument = argument * 256 + bytes[offset + i]!;
    offset += size;
  }
  switch (major) {
    case 0:
    case 1:
    case 7:
      // Integers and simple values/floats: the head is the whole item.
      return offset;
    case 2:
    case 3:
      if (offset + argument > bytes.length) throw new CborLengthError("truncated CBOR");
      return offset + argument;
    case 4:
    case 5: {
      const items = major === 5 ? argument * 2 : argument;
      // Each item takes at least one byte: reject absurd counts before looping.
      if (items > bytes.length - offset) throw new CborLengthError("truncated CBOR");
      for (let i = 0; i < items; i++) offset = skip(bytes, offset, depth + 1);
      return offset;
    }
    default:
      // Tag: the tagged item follows.
      return skip(bytes, offset, depth + 1);
  }
}

function byteAt(bytes: Uint8Array, offset: number): number {
  const value = bytes[offset];
  if (value === undefined) throw new CborLengthError("truncated CBOR");
  return value;
}
