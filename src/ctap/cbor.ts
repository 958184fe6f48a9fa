/**
 * CTAP2 canonical CBOR (CTAP 2.1 section 8, "Message Encoding").
 *
 * Both directions are our own small code rather than cbor-x (which the
 * keystore uses for its records). Decoding, because requests are
 * hostile input, and the core must answer CTAP2_ERR_INVALID_CBOR for
 * truncation, trailing bytes, duplicate map keys, indefinite lengths and
 * nesting deeper than a request can need, none of which cbor-x reports.
 * With `canonical`, it also refuses what CTAP 2.2 section 8 forbids a sender
 * to write, as OpenSK's decoder and real keys do: integers and lengths not in
 * their shortest form, and map keys out of canonical order.
 * Floats, tags and `undefined` never occur in CTAP requests; they decode to a
 * `CborUnsupported` marker so validation answers CBOR_UNEXPECTED_TYPE for them.
 */

export type CborValue =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | CborValue[]
  | CborMap
  | CborUnsupported;
export type CborMap = Map<number | string, CborValue>;

/** A well-formed CBOR item of a kind CTAP never uses (float, tag, simple value, undefined). */
export class CborUnsupported {
  constructor(readonly kind: string) {}
}

export class CborDecodeError extends Error {
  override name = "CborDecodeError";
}

const MAX_DEPTH = 8;
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** The smallest argument each long head form may carry; anything below fits a shorter form. */
const SHORTEST_FORM_MINIMUM: Record<number, number | bigint> = { 24: 24, 25: 0x100, 26: 0x10000, 27: 0x100000000 };

export interface DecodeOptions {
  /** Refuse non-canonical encodings (CTAP 2.2 section 8): long forms of small arguments, map keys out of order. */
  canonical?: boolean;
}

/** Text strings up to this many bytes are read without TextDecoder when they are ASCII (map keys, IDs, names). */
const SHORT_TEXT = 32;

function utf8(bytes: Uint8Array): string {
  try {
    return textDecoder.decode(bytes);
  } catch {
    throw new CborDecodeError("text string is not valid UTF-8");
  }
}

/** A short string: ASCII is turned into text directly (a TextDecoder call costs about a microsecond). */
function shortText(bytes: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return utf8(bytes.subarray(start, end));
    text += String.fromCharCode(byte);
  }
  return text;
}

/** Decode exactly one CBOR item that fills `bytes` completely. */
export function decodeCbor(bytes: Uint8Array, options: DecodeOptions = {}): CborValue {
  const reader = new StrictReader(bytes, options.canonical === true);
  const value = reader.item(0);
  if (reader.offset !== bytes.length) throw new CborDecodeError("trailing bytes after CBOR item");
  return value;
}

class StrictReader {
  offset = 0;
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly canonical: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Canonical order of two encoded keys in the input: major type first, then the shorter encoding, then byte by byte (CTAP 2.2 section 8). */
  private compareEncoded(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
    const bytes = this.bytes;
    const major = (bytes[aStart]! >> 5) - (bytes[bStart]! >> 5);
    if (major !== 0) return major;
    if (aEnd - aStart !== bEnd - bStart) return aEnd - aStart - (bEnd - bStart);
    for (let i = 0; i < aEnd - aStart; i++) {
      const difference = bytes[aStart + i]! - bytes[bStart + i]!;
      if (difference !== 0) return difference;
    }
    return 0;
  }

  /** The head's argument, refused in canonical mode when a shorter form could carry it. */
  private argument(info: number): number | bigint {
    const value = this.rawArgument(info);
    if (this.canonical && info >= 24 && value < SHORTEST_FORM_MINIMUM[info]!) {
      throw new CborDecodeError("an integer or length is not in its shortest form (CTAP 2.2 section 8)");
    }
    return value;
  }

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new CborDecodeError("truncated CBOR");
  }

  /** Reads the argument of a head; returns a number, or a bigint above 2^53. */
  private rawArgument(info: number): number | bigint {
    if (info < 24) return info;
    switch (info) {
      case 24:
        this.need(1);
        return this.bytes[this.offset++]!;
      case 25:
        this.need(2);
        this.offset += 2;
        return this.view.getUint16(this.offset - 2);
      case 26:
        this.need(4);
        this.offset += 4;
        return this.view.getUint32(this.offset - 4);
      case 27: {
        this.need(8);
        const big = this.view.getBigUint64(this.offset);
        this.offset += 8;
        return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
      case 31:
        throw new CborDecodeError("indefinite-length items are not allowed");
      default:
        throw new CborDecodeError("reserved additional information");
    }
  }

  private length(info: number): number {
    const n = this.argument(info);
    if (typeof n === "bigint" || n > this.bytes.length - this.offset) {
      throw new CborDecodeError("length exceeds the message");
    }
    return n;
  }

  item(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new CborDecodeError("CBOR nested too deeply");
    this.need(1);
    const head = this.bytes[this.offset++]!;
    const major = head >> 5;
    const info = head & 0x1f;
    switch (major) {
      case 0:
        return this.argument(info);
      case 1: {
        const n = this.argument(info);
        return typeof n === "bigint" ? -1n - n : -1 - n;
      }
      case 2: {
        const n = this.length(info);
        this.offset += n;
        // A copy as a plain Uint8Array: the input may be a Buffer, and callers keep the bytes.
        return new Uint8Array(this.bytes.subarray(this.offset - n, this.offset));
      }
      case 3: {
        const n = this.length(info);
        this.offset += n;
        return n <= SHORT_TEXT ? shortText(this.bytes, this.offset - n, this.offset) : utf8(this.bytes.subarray(this.offset - n, this.offset));
      }
      case 4: {
        const n = this.length(info);
        const items: CborValue[] = [];
        for (let i = 0; i < n; i++) items.push(this.item(depth + 1));
        return items;
      }
      case 5: {
        const n = this.length(info);
        const map: CborMap = new Map();
        // Where the previous key's encoding starts and ends, to check the canonical order without copying.
        let previousStart = -1;
        let previousEnd = -1;
        for (let i = 0; i < n; i++) {
          const keyStart = this.offset;
          const key = this.item(depth + 1);
          if (typeof key !== "number" && typeof key !== "string") {
            throw new CborDecodeError("map keys must be integers or text strings");
          }
          if (map.has(key)) throw new CborDecodeError("duplicate map key");
          if (this.canonical) {
            if (previousStart >= 0 && this.compareEncoded(previousStart, previousEnd, keyStart, this.offset) >= 0) {
              throw new CborDecodeError("map keys are not in canonical order (CTAP 2.2 section 8)");
            }
            previousStart = keyStart;
            previousEnd = this.offset;
          }
          map.set(key, this.item(depth + 1));
        }
        return map;
      }
      case 6:
        this.argument(info);
        this.item(depth + 1);
        return new CborUnsupported("tag");
      default: {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return new CborUnsupported("undefined");
        if (info === 24) {
          this.need(1);
          this.offset++;
          return new CborUnsupported("simple value");
        }
        if (info >= 25 && info <= 27) {
          const size = 1 << (info - 24);
          this.need(size);
          this.offset += size;
          return new CborUnsupported("float");
        }
        if (info === 31) throw new CborDecodeError("unexpected break");
        if (info < 20) return new CborUnsupported("simple value");
        throw new CborDecodeError("reserved simple value");
      }
    }
  }
}

/**
 * Encode a value as CTAP2 canonical CBOR: minimal heads, definite lengths, map
 * keys in canonical order. Maps must be `Map`s; `undefined` map values are
 * left out. Our own writer rather than cbor-x's: responses are built on the
 * hot path (about 1 µs here against 7 µs through cbor-x for a getAssertion
 * response), and canonical key order is then a property of this one function.
 */
export function encodeCanonical(value: unknown): Uint8Array {
  const writer = new CborWriter();
  writer.write(value);
  return writer.finish();
}

/** A response as the core sends it: the status byte, then the canonical CBOR body, in one buffer. */
export function encodeWithStatus(status: number, value: unknown): Uint8Array {
  const writer = new CborWriter();
  writer.writeByte(status);
  writer.write(value);
  return writer.finish();
}

/** The UTF-8 of the few text strings every response repeats ("id", "type", "public-key", option names). */
const commonStrings = new Map<string, Uint8Array>();

const textEncoder = new TextEncoder();

/**
 * One scratch buffer for every encoding: encoding never re-enters itself (it calls no outside code), so
 * each message is written into it and copied out once at its exact size, the only allocation.
 */
let scratch = new Uint8Array(8192);

class CborWriter {
  private buffer = scratch;
  private length = 0;

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  writeByte(byte: number): void {
    this.reserve(1);
    this.buffer[this.length++] = byte;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    // A large message grows the shared buffer for the ones after it, up to a bound.
    if (size <= 1 << 20) scratch = grown;
  }

  private head(major: number, argument: number | bigint): void {
    const m = major << 5;
    this.reserve(9);
    const b = this.buffer;
    if (typeof argument === "bigint") {
      b[this.length++] = m | 27;
      new DataView(b.buffer).setBigUint64(this.length, argument);
      this.length += 8;
    } else if (argument < 24) {
      b[this.length++] = m | argument;
    } else if (argument < 0x100) {
      b[this.length++] = m | 24;
      b[this.length++] = argument;
    } else if (argument < 0x10000) {
      b[this.length++] = m | 25;
      b[this.length++] = argument >> 8;
      b[this.length++] = argument & 0xff;
    } else if (argument < 0x100000000) {
      b[this.length++] = m | 26;
      new DataView(b.buffer).setUint32(this.length, argument);
      this.length += 4;
    } else {
      b[this.length++] = m | 27;
      new DataView(b.buffer).setBigUint64(this.length, BigInt(argument));
      this.length += 8;
    }
  }

  private bytes(major: number, data: Uint8Array): void {
    this.head(major, data.length);
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** A map, its undefined members left out, in canonical key order (kept as it is when already sorted, as built maps usually are). */
  private map(map: Map<unknown, unknown>): void {
    let count = 0;
    let sorted = true;
    let previous: unknown;
    for (const [key, item] of map) {
      if (item === undefined) continue;
      if (count > 0 && sorted && compareKeys(previous, key) >= 0) sorted = false;
      previous = key;
      count++;
    }
    this.head(5, count);
    if (sorted) {
      for (const [key, item] of map) {
        if (item === undefined) continue;
        this.write(key);
        this.write(item);
      }
      return;
    }
    const entries = [...map].filter(([, item]) => item !== undefined).sort(([a], [b]) => compareKeys(a, b));
    for (const [key, item] of entries) {
      this.write(key);
      this.write(item);
    }
  }

  write(value: unknown): void {
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) throw new TypeError(`CTAP CBOR has no floats: ${value}`);
      if (value >= 0) this.head(0, value);
      else this.head(1, -1 - value);
    } else if (typeof value === "bigint") {
      if (value >= 0n) this.head(0, value);
      else this.head(1, -1n - value);
    } else if (typeof value === "string") {
      this.bytes(3, utf8Of(value));
    } else if (value instanceof Uint8Array) {
      this.bytes(2, value);
    } else if (typeof value === "boolean") {
      this.reserve(1);
      this.buffer[this.length++] = value ? 0xf5 : 0xf4;
    } else if (value === null) {
      this.reserve(1);
      this.buffer[this.length++] = 0xf6;
    } else if (Array.isArray(value)) {
      this.head(4, value.length);
      for (const item of value) this.write(item);
    } else if (value instanceof Map) {
      this.map(value as Map<unknown, unknown>);    } else {
      throw new TypeError(`cannot encode ${value === undefined ? "undefined" : typeof value} as CTAP CBOR`);
    }
  }
}


/** Canonical key order: major type first, then length of the encoding, then bytes (CTAP 2.2 section 8). */
export function compareKeys(a: unknown, b: unknown): number {
  const ra = keyRank(a);
  const rb = keyRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === "number" && typeof b === "number") return ra === 0 ? a - b : b - a;
  const ua = utf8Of(String(a));
  const ub = utf8Of(String(b));
  if (ua.length !== ub.length) return ua.length - ub.length;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return ua[i]! - ub[i]!;
  return 0;
}

function keyRank(key: unknown): number {
  return typeof key === "number" ? (key >= 0 ? 0 : 1) : 3;
}

/** The UTF-8 of a string; the few short strings every message repeats (keys, "public-key", option names) are kept. */
function utf8Of(text: string): Uint8Array {
  let bytes = commonStrings.get(text);
  if (bytes === undefined) {
    bytes = textEncoder.encode(text);
    if (text.length <= 16 && commonStrings.size < 256) commonStrings.set(text, bytes);
  }
  return bytes;
}
