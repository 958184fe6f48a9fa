import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CborMap } from "../../src/ctap/cbor.js";
import { fromBase64Url } from "../../src/bytes/base64url.js";
import { coseAlgorithm, CoseKeyError, coseToSpki } from "../../src/client/cosePublicKey.js";

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: "spki", format: "der" }));
}

function jwkBytes(key: KeyObject, field: "x" | "y" | "n" | "e"): Uint8Array {
  return fromBase64Url(key.export({ format: "jwk" })[field] as string);
}

describe("coseToSpki", () => {
  it("converts an ES256 (EC2, P-256) key", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const cose: CborMap = new Map<number, Uint8Array | number>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, jwkBytes(publicKey, "x")],
      [-3, jwkBytes(publicKey, "y")],
    ]);
    expect(coseAlgorithm(cose)).toBe(-7);
    expect(coseToSpki(cose)).toEqual(spkiOf(publicKey));
  });

  it("converts an EdDSA (OKP, Ed25519) key", () => {
    const { publicKey } = generateKeyPairSync("ed25519");
    const cose: CborMap = new Map<number, Uint8Array | number>([
      [1, 1],
      [3, -8],
      [-1, 6],
      [-2, jwkBytes(publicKey, "x")],
    ]);
    expect(coseToSpki(cose)).toEqual(spkiOf(publicKey));
  });

  it("converts an RS256 (RSA) key", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const cose: CborMap = new Map<number, Uint8Array | number>([
      [1, 3],
      [3, -257],
      [-1, jwkBytes(publicKey, "n")],
      [-2, jwkBytes(publicKey, "e")],
    ]);
    expect(coseToSpki(cose)).toEqual(spkiOf(publicKey));
  });

  it("converts a P-384 key", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
    const cose: CborMap = new Map<number, Uint8Array | number>([
      [1, 2],
      [3, -35],
      [-1, 2],
      [-2, jwkBytes(publicKey, "x")],
      [-3, jwkBytes(publicKey, "y")],
    ]);
    expect(coseToSpki(cose)).toEqual(spkiOf(publicKey));
  });

  it("returns undefined for key types it cannot express", () => {
    expect(coseToSpki(new Map<number, number | Uint8Array>([[1, 7], [3, -48], [-1, new Uint8Array(10)]]))).toBeUndefined();
    expect(coseToSpki(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 99], [-2, new Uint8Array(32)]]))).toBeUndefined();
  });

  it("rejects malformed keys of a known type", () => {
    const offCurve: CborMap = new Map<number, Uint8Array | number>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(32).fill(1)],
      [-3, new Uint8Array(32).fill(1)],
    ]);
    expect(() => coseToSpki(offCurve)).toThrow(CoseKeyError);
    const missingY: CborMap = new Map<number, Uint8Array | number>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(32)],
    ]);
    expect(() => coseToSpki(missingY)).toThrow(/y \(-3\)/);
    expect(() => coseAlgorithm(new Map([[1, 2]]))).toThrow(CoseKeyError);
  });
});
