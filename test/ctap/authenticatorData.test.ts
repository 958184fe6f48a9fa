import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import {
  AuthenticatorDataError,
  parseAuthenticatorData,
  withZeroAaguid,
} from "../../src/ctap/authenticatorData.js";
import { cborItemLength, CborLengthError } from "../../src/ctap/cborItemLength.js";

const rpIdHash = createHash("sha256").update("example.com").digest();
const aaguid = new Uint8Array(16).map((_, i) => i + 1);
const credentialId = new Uint8Array(20).fill(0xcc);
const coseKey = encodeCanonical(
  new Map<number, unknown>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, new Uint8Array(32).fill(1)],
    [-3, new Uint8Array(32).fill(2)],
  ]),
);
const extensions = encodeCanonical(new Map<string, unknown>([["credProtect", 2]]));

function build(flags: number, signCount: number, ...parts: Uint8Array[]): Uint8Array {
  const header = new Uint8Array(37);
  header.set(rpIdHash, 0);
  header[32] = flags;
  new DataView(header.buffer).setUint32(33, signCount);
  return new Uint8Array(Buffer.concat([header, ...parts]));
}

function attested(): Uint8Array {
  const length = new Uint8Array([credentialId.length >> 8, credentialId.length & 0xff]);
  return Buffer.concat([aaguid, length, credentialId, coseKey]);
}

describe("parseAuthenticatorData", () => {
  it("parses an assertion's bare header", () => {
    const parsed = parseAuthenticatorData(build(0x05, 0x01020304));
    expect(parsed.rpIdHash).toEqual(new Uint8Array(rpIdHash));
    expect(parsed.signCount).toBe(0x01020304);
    expect(parsed.flags).toMatchObject({ userPresent: true, userVerified: true, backupEligible: false, value: 0x05 });
    expect(parsed.attestedCredentialData).toBeUndefined();
    expect(parsed.extensions).toBeUndefined();
  });

  it("parses attested credential data followed by extensions", () => {
    const parsed = parseAuthenticatorData(build(0x41 | 0x80, 0, attested(), extensions));
    const credential = parsed.attestedCredentialData!;
    expect(credential.aaguid).toEqual(aaguid);
    expect(credential.credentialId).toEqual(credentialId);
    expect(credential.credentialPublicKey).toEqual(coseKey);
    expect(credential.cosePublicKey.get(3)).toBe(-7);
    expect(parsed.extensions?.get("credProtect")).toBe(2);
    expect(parsed.flags.attestedCredentialData && parsed.flags.extensionData).toBe(true);
  });

  it("parses BE/BS flags", () => {
    expect(parseAuthenticatorData(build(0x19, 0)).flags).toMatchObject({ backupEligible: true, backupState: true });
  });

  it.each([
    ["a short header", build(0x01, 0).subarray(0, 36), /shorter than the 37-byte header/],
    ["truncated attested data", build(0x41, 0, aaguid), /attested credential data is truncated/],
    ["a truncated credential ID", build(0x41, 0, aaguid, new Uint8Array([0, 50]), credentialId), /credential ID is truncated/],
    ["a truncated COSE key", build(0x41, 0, attested().subarray(0, 50)), /credential public key/],
    ["trailing bytes", build(0x41, 0, attested(), new Uint8Array([0])), /1 unexpected bytes/],
    ["extensions without the ED flag", build(0x41, 0, attested(), extensions), /unexpected bytes/],
    ["ED without extensions", build(0x81, 0), /extensions/],
    ["extensions that are not a map", build(0x81, 0, new Uint8Array([0x01])), /not a CBOR map/],
  ])("rejects %s", (_, bytes, message) => {
    expect(() => parseAuthenticatorData(bytes)).toThrow(AuthenticatorDataError);
    expect(() => parseAuthenticatorData(bytes)).toThrow(message);
  });

  it("zeroes the AAGUID in a copy", () => {
    const original = build(0x41, 0, attested());
    const zeroed = withZeroAaguid(original);
    expect(parseAuthenticatorData(zeroed).attestedCredentialData?.aaguid).toEqual(new Uint8Array(16));
    expect(parseAuthenticatorData(original).attestedCredentialData?.aaguid).toEqual(aaguid);
    expect(zeroed.subarray(0, 37)).toEqual(original.subarray(0, 37));
    expect(zeroed.subarray(53)).toEqual(original.subarray(53));
  });
});

describe("cborItemLength", () => {
  it.each<[string, unknown]>([
    ["small int", 5],
    ["negative int", -1000],
    ["uint64", 2 ** 40],
    ["byte string", new Uint8Array(300)],
    ["text", "héllo"],
    ["array", [1, "two", new Uint8Array(3), [4]]],
    ["map", new Map<unknown, unknown>([[1, new Map([["a", true]])], [-2, null]])],
    ["bool", false],
  ])("measures a %s", (_, value) => {
    const encoded = encodeCanonical(value);
    const withTail = Buffer.concat([encoded, new Uint8Array([0xff, 0xff])]);
    expect(cborItemLength(withTail)).toBe(encoded.length);
    expect(cborItemLength(Buffer.concat([new Uint8Array([0]), withTail]), 1)).toBe(encoded.length);
  });

  it("measures tags and floats", () => {
    expect(cborItemLength(new Uint8Array([0xc1, 0x1a, 0, 0, 0, 1]))).toBe(6);
    expect(cborItemLength(new Uint8Array([0xfb, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(9);
  });

  it.each([
    ["truncated bytes", [0x58, 10, 1, 2]],
    ["truncated head", [0x19, 1]],
    ["indefinite length", [0x9f, 0xff]],
    ["absurd count", [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ["reserved info", [0x1c]],
    ["empty input", []],
  ])("rejects %s", (_, bytes) => {
    expect(() => cborItemLength(new Uint8Array(bytes))).toThrow(CborLengthError);
  });
});
