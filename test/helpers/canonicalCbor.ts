/**
 * An independent check of CTAP2 canonical CBOR (CTAP 2.1 section 8): it walks
 * the raw bytes rather than re-encoding with the codec under test, so a bug in
 * the encoder cannot hide itself.
 */
export function assertCanonicalCbor(bytes: Uint8Array): void {
  const end = walk(bytes, 0);
  if (end !== bytes.length) throw new Error(`trailing bytes at ${end}`);
}

function head(bytes: Uint8Array, at: number): { major: number; value: number; next: number } {
  const first = bytes[at];
  if (first === undefined) throw new Error(`truncated at ${at}`);
  const major = first >> 5;
  const info = first & 0x1f;
  if (info < 24) return { major, value: info, next: at + 1 };
  const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
  if (size === undefined) throw new Error(`indefinite or reserved length at ${at}`);
  let value = 0;
  for (let i = 1; i <= size; i++) value = value * 256 + bytes[at + i]!;
  const minimal = size === 1 ? value >= 24 : value >= 2 ** (8 * (size / 2));
  if (!minimal) throw new Error(`non-minimal length encoding at ${at}`);
  return { major, value, next: at + 1 + size };
}

function walk(bytes: Uint8Array, at: number): number {
  const { major, value, next } = head(bytes, at);
  switch (major) {
    case 0:
    case 1:
      return next;
    case 2:
    case 3:
      return next + value;
    case 4: {
      let p = next;
      for (let i = 0; i < value; i++) p = walk(bytes, p);
      return p;
    }
    case 5: {
      let p = next;
      let previousKey: Uint8Array | undefined;
      for (let i = 0; i < value; i++) {
        const keyStart = p;
        p = walk(bytes, p);
        const key = bytes.subarray(keyStart, p);
        if (previousKey && compareEncodedKeys(previousKey, key) >= 0) {
          throw new Error(`map keys out of canonical order at ${keyStart}`);
        }
        previousKey = key;
        p = walk(bytes, p);
      }
      return p;
    }
    case 7:
      if (value === 20 || value === 21 || value === 22) return next;
      throw new Error(`float, undefined or simple value at ${at}`);
    default:
      throw new Error(`tag at ${at}`);
  }
}

/** CTAP2 canonical order: by major type, then encoded length, then bytes. */
function compareEncodedKeys(a: Uint8Array, b: Uint8Array): number {
  const ma = a[0]! >> 5;
  const mb = b[0]! >> 5;
  if (ma !== mb) return ma - mb;
  if (a.length !== b.length) return a.length - b.length;
  return Buffer.compare(a, b);
}
