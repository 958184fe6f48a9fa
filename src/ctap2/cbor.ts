/**
 * CTAP2 canonical CBOR (CTAP 2.1 section 8, "Message Encoding").
 *
 * Encoding goes through cbor-x with every map built as a `Map` whose keys we
 * sort into canonical order first: integers before text, shorter encodings
 * before longer, then bytewise. cbor-x already writes minimal-length integer
 * and length headers and definite lengths.
 *
 * Decoding is our own small strict reader rather than cbor-x's: requests are
 * hostile input, and the core must answer CTAP2_ERR_INVALID_CBOR for
 * truncation, trailing bytes, duplicate map keys, indefinite lengths and
 * nesting deeper than a request can need, none of which cbor-x reports.
 * Floats, tags and `undefined` never occur in CTAP requests; they decode to a
 * `CborUnsupported` marker so validation answers CBOR_UNEXPECTED_TYPE for them.
 */
import { Encoder } from "cbor-x";

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

/** Decode exactly one CBOR item that fills `bytes` completely. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const reader = new StrictReader(bytes);
  const value = reader.item(0);
  if (reader.offset !== bytes.length) throw new CborDecodeError("trailing bytes after CBOR item");
  return value;
}

class StrictReader {
  offset = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new CborDecodeError("truncated CBOR");
  }

  /** Reads the argument of a head; returns a number, or a bigint above 2^53. */
  private argument(info: number): number | bigint {
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
        try {
          return textDecoder.decode(this.bytes.subarray(this.offset - n, this.offset));
        } catch {
          throw new CborDecodeError("text string is not valid UTF-8");
        }
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
        for (let i = 0; i < n; i++) {
          const key = this.item(depth + 1);
          if (typeof key !== "number" && typeof key !== "string") {
            throw new CborDecodeError("map keys must be integers or text strings");
          }
          if (map.has(key)) throw new CborDecodeError("duplicate map key");
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

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  variableMapSize: true,
});

/** Encode a value as CTAP2 canonical CBOR. Maps must be `Map`s; their keys are put in canonical order. */
export function encodeCanonical(value: unknown): Uint8Array {
  // cbor-x answers with a Buffer over its own scratch memory; hand out plain, owned bytes.
  return new Uint8Array(encoder.encode(canonicalize(value)));
}

function canonicalize(value: unknown): unknown {
  if (value instanceof Map) {
    const entries = [...value.entries()].filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => compareKeys(a, b));
    return new Map(entries.map(([k, v]) => [k, canonicalize(v)]));
  }
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value instanceof Uint8Array && !(value.constructor === Uint8Array)) {
    // Buffers and other subclasses would be tagged by cbor-x; plain bytes are a byte string.
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}

/** Canonical key order: major type first, then length of the encoding, then bytes (CTAP 2.1 section 8). */
export function compareKeys(a: unknown, b: unknown): number {
  const rank = (k: unknown): number => (typeof k === "number" ? (k >= 0 ? 0 : 1) : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === "number" && typeof b === "number") return ra === 0 ? a - b : b - a;
  const sa = String(a);
  const sb = String(b);
  const la = Buffer.byteLength(sa);
  const lb = Buffer.byteLength(sb);
  if (la !== lb) return la - lb;
  return Buffer.compare(Buffer.from(sa), Buffer.from(sb));
}
