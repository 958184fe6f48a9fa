import { describe, expect, it } from "vitest";
import { CborDecodeError, CborUnsupported, decodeCbor, encodeCanonical } from "../../src/ctap/cbor.js";
import { assertCanonicalCbor } from "../helpers/canonicalCbor.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ""), "hex"));

describe("strict CBOR decoding", () => {
  it("decodes maps with integer and text keys, bytes, arrays, booleans and null", () => {
    const value = decodeCbor(hex("a3 01 43 010203 02 82 f5 f6 63 6b6579 20"));
    expect(value).toEqual(new Map<unknown, unknown>([[1, Uint8Array.of(1, 2, 3)], [2, [true, null]], ["key", -1]]));
  });

  it.each([
    ["truncated", "a2 01 02 03"],
    ["trailing bytes", "01 02"],
    ["duplicate map key", "a2 01 01 01 02"],
    ["indefinite-length map", "bf 01 02 ff"],
    ["indefinite-length bytes", "5f 41 01 ff"],
    ["length beyond the message", "5a ffffffff 00"],
    ["map key that is an array", "a1 80 01"],
    ["invalid UTF-8 text", "62 c328"],
    ["reserved additional information", "1c"],
    ["a stray break", "ff"],
    ["nesting too deep", "81".repeat(20) + "01"],
  ])("rejects %s", (_name, bytes) => {
    expect(() => decodeCbor(hex(bytes))).toThrow(CborDecodeError);
  });

  it("marks floats, tags and undefined as unsupported rather than passing them on", () => {
    expect(decodeCbor(hex("f9 3c00"))).toBeInstanceOf(CborUnsupported);
    expect(decodeCbor(hex("c1 1a 514b67b0"))).toBeInstanceOf(CborUnsupported);
    expect(decodeCbor(hex("f7"))).toBeInstanceOf(CborUnsupported);
  });
});

describe("canonical decoding (CTAP 2.2 section 8), as a key reads requests", () => {
  const canonical = { canonical: true };

  it.each([
    ["an integer that fits the head, in one more byte", "18 17"],
    ["an integer under 256 in two bytes", "19 00ff"],
    ["an integer under 65536 in four bytes", "1a 0000ffff"],
    ["an integer under 2^32 in eight bytes", "1b 00000000ffffffff"],
    ["a negative integer in a long form", "38 00"],
    ["a byte-string length in a long form", "58 01 aa"],
    ["a text length in a long form", "79 0001 61"],
    ["an array length in a long form", "98 01 01"],
    ["a map length in a long form", "b8 01 01 02"],
    ["integer keys out of order", "a2 02 00 01 00"],
    ["a negative key before a positive one", "a2 20 00 01 00"],
    ["a text key before an integer key", "a2 61 61 00 01 00"],
    ["a longer text key before a shorter one", "a2 62 6161 00 61 62 00"],
    ["text keys of one length out of byte order", "a2 61 62 00 61 61 00"],
    ["keys out of order in a nested map", "a1 01 a2 02 00 01 00"],
    ["keys out of order in a map inside an array", "81 a2 62 6964 00 61 61 00"],
  ])("refuses %s", (_name, bytes) => {
    expect(() => decodeCbor(hex(bytes), canonical)).toThrow(CborDecodeError);
    // The same bytes are well-formed CBOR: a lenient reader takes them.
    expect(() => decodeCbor(hex(bytes))).not.toThrow();
  });

  it("takes what the canonical encoder writes, at every length boundary", () => {
    const value = new Map<number | string, unknown>([
      [1, [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -24, -25, -256, -257]],
      [-1, "x".repeat(24)],
      ["a", new Uint8Array(256)],
      ["bb", new Map([[2, 1], [1, 2]])],
    ]);
    expect(decodeCbor(encodeCanonical(value), canonical)).toEqual(decodeCbor(encodeCanonical(value)));
  });
});

describe("canonical CBOR encoding", () => {
  it("sorts map keys as CTAP2 requires: integers, then negative, then text by length", () => {
    const encoded = encodeCanonical(
      new Map<number | string, unknown>([
        ["type", "public-key"],
        [-2, 1],
        [3, 2],
        ["id", 3],
        [1, 4],
        [-1, 5],
      ]),
    );
    assertCanonicalCbor(encoded);
    expect([...(decodeCbor(encoded) as Map<unknown, unknown>).keys()]).toEqual([1, 3, -1, -2, "id", "type"]);
  });

  it("uses minimal lengths and byte strings for every Uint8Array view, including Buffers", () => {
    const encoded = encodeCanonical(new Map<number, unknown>([[1, Buffer.alloc(30)], [2, "x".repeat(300)], [3, 1_000_000]]));
    assertCanonicalCbor(encoded);
    const decoded = decodeCbor(encoded) as Map<number, unknown>;
    expect(decoded.get(1)).toEqual(new Uint8Array(30));
    expect(decoded.get(3)).toBe(1_000_000);
  });

  it("the independent checker catches unsorted keys", () => {
    expect(() => assertCanonicalCbor(hex("a2 02 00 01 00"))).toThrow(/order/);
    expect(() => assertCanonicalCbor(hex("18 05"))).toThrow(/non-minimal/);
  });
});
