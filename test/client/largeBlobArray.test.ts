/**
 * The large-blob array format of CTAP 2.1 sections 6.10.3-6.10.4, checked
 * against an independent construction of an entry with node:crypto and
 * node:zlib, and the pinUvAuthParam message of a set.
 */
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeCbor, encodeCanonical } from "../../src/ctap/cbor.js";
import {
  decryptEntry,
  encryptEntry,
  findBlob,
  parseSerializedArray,
  serializeArray,
  withBlob,
} from "../../src/client/extensions/largeBlobArray.js";
import { largeBlobsSetMessage } from "../../src/ctap/messages/largeBlobs.js";

const key = () => new Uint8Array(randomBytes(32));

describe("large-blob entries", () => {
  it("decrypts an entry built independently: AES-256-GCM over raw DEFLATE, AD = 'blob' || uint64LE(origSize)", () => {
    const k = key();
    const blob = new TextEncoder().encode("hello, large blob ".repeat(10));
    const nonce = randomBytes(12);
    const ad = Buffer.alloc(12);
    ad.write("blob", 0, "ascii");
    ad.writeBigUInt64LE(BigInt(blob.length), 4);
    const cipher = createCipheriv("aes-256-gcm", k, nonce);
    cipher.setAAD(ad);
    const ciphertext = Buffer.concat([cipher.update(deflateRawSync(blob)), cipher.final(), cipher.getAuthTag()]);
    const entry = new Map<number, unknown>([
      [1, new Uint8Array(ciphertext)],
      [2, new Uint8Array(nonce)],
      [3, blob.length],
    ]);
    const decoded = decodeCbor(encodeCanonical([entry])) as unknown[];
    expect(findBlob(decoded as never, k)).toEqual(blob);
    expect(findBlob(decoded as never, key())).toBeUndefined();
  });

  it("round-trips its own entries, and a wrong origSize fails the tag", () => {
    const k = key();
    const blob = new Uint8Array(randomBytes(500));
    const entry = encryptEntry(blob, k);
    expect(decryptEntry(entry, k)).toEqual(blob);
    entry.set(3, 499);
    expect(decryptEntry(entry, k)).toBeUndefined();
  });

  it("replaces only the entry of the key it writes with", () => {
    const a = key();
    const b = key();
    let entries = withBlob([], a, Uint8Array.of(1));
    entries = withBlob(entries, b, Uint8Array.of(2));
    entries = withBlob(entries, a, Uint8Array.of(3));
    expect(entries).toHaveLength(2);
    expect(findBlob(entries, a)).toEqual(Uint8Array.of(3));
    expect(findBlob(entries, b)).toEqual(Uint8Array.of(2));
  });
});

describe("the serialized array", () => {
  it("is the CBOR array followed by LEFT(SHA-256(array), 16); the empty one is 0x80 and its hash", () => {
    const empty = serializeArray([]);
    expect(empty[0]).toBe(0x80);
    expect(empty.subarray(1)).toEqual(createHash("sha256").update(Uint8Array.of(0x80)).digest().subarray(0, 16));
    expect(parseSerializedArray(empty)).toEqual([]);
    const entries = withBlob([], key(), Uint8Array.of(9));
    expect(parseSerializedArray(serializeArray(entries))).toHaveLength(1);
  });

  it("is treated as empty when its hash does not match", () => {
    const serialized = serializeArray(withBlob([], key(), Uint8Array.of(9)));
    serialized[serialized.length - 1]! ^= 1;
    expect(parseSerializedArray(serialized)).toEqual([]);
    expect(parseSerializedArray(Uint8Array.of(0x80))).toEqual([]);
  });

  it("authenticates a set fragment as 32 x 0xff || 0x0c 0x00 || uint32LE(offset) || SHA-256(fragment)", () => {
    const fragment = Uint8Array.of(1, 2, 3);
    const message = largeBlobsSetMessage(0x01020304, fragment);
    expect(message.subarray(0, 32).every((b) => b === 0xff)).toBe(true);
    expect([...message.subarray(32, 38)]).toEqual([0x0c, 0x00, 0x04, 0x03, 0x02, 0x01]);
    expect(message.subarray(38)).toEqual(new Uint8Array(createHash("sha256").update(fragment).digest()));
  });
});
