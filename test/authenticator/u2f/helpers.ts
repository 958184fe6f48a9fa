/**
 * CTAP1/U2F test helpers, written from the FIDO U2F raw message formats v1.2
 * independently of src/ctap1: APDUs built by hand, responses split by hand,
 * signatures checked with node:crypto.
 */
import { createHash, createPublicKey, verify, X509Certificate, type KeyObject } from "node:crypto";
import { expect } from "vitest";
import type { CtapTransport } from "../../../src/ctap/transport.js";

export const sha256 = (data: string | Uint8Array): Buffer => createHash("sha256").update(data).digest();

export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  COMMAND_NOT_ALLOWED: 0x6986,
  WRONG_DATA: 0x6a80,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
} as const;

/** Extended encoding as U2F clients send it: CLA INS P1 P2 00 Lc(2) data 00 00 (python-fido2 sends Lc 0000 for no data). */
export function extendedApdu(ins: number, p1: number, data: Uint8Array, cla = 0): Buffer {
  return Buffer.concat([Buffer.from([cla, ins, p1, 0, 0, data.length >> 8, data.length & 0xff]), data, Buffer.from([0, 0])]);
}

/** Short encoding: CLA INS P1 P2 [Lc data] Le(00). */
export function shortApdu(ins: number, p1: number, data: Uint8Array, cla = 0): Buffer {
  return Buffer.concat([Buffer.from([cla, ins, p1, 0]), data.length > 0 ? Buffer.from([data.length]) : Buffer.alloc(0), data, Buffer.from([0])]);
}

export interface ApduResponse {
  sw: number;
  data: Buffer;
}

export async function send(transport: CtapTransport, apdu: Uint8Array): Promise<ApduResponse> {
  const response = Buffer.from(await transport.transact(apdu));
  expect(response.length).toBeGreaterThanOrEqual(2);
  return { sw: response.readUInt16BE(response.length - 2), data: response.subarray(0, response.length - 2) };
}

export interface Registration {
  userPublicKey: Buffer;
  keyHandle: Buffer;
  certificate: X509Certificate;
  certificateDer: Buffer;
  signature: Buffer;
}

/** Splits a U2F_REGISTER response (section 4.3); the certificate's length comes from its DER header. */
export function parseRegistration(data: Buffer): Registration {
  expect(data[0]).toBe(0x05);
  const userPublicKey = data.subarray(1, 66);
  expect(userPublicKey[0]).toBe(0x04);
  const khLength = data[66]!;
  const keyHandle = data.subarray(67, 67 + khLength);
  const certStart = 67 + khLength;
  expect(data[certStart]).toBe(0x30);
  let length = data[certStart + 1]!;
  let header = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = data.subarray(certStart + 2, certStart + 2 + n).readUIntBE(0, n);
    header += n;
  }
  const certificateDer = data.subarray(certStart, certStart + header + length);
  return {
    userPublicKey,
    keyHandle,
    certificate: new X509Certificate(certificateDer),
    certificateDer,
    signature: data.subarray(certStart + header + length),
  };
}

/** The P-256 public key of a 65-byte uncompressed point. */
export function pointToKey(point: Uint8Array): KeyObject {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
  return createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) }, format: "jwk" });
}

export function verifyRegistration(r: Registration, application: Uint8Array, challenge: Uint8Array): boolean {
  const signed = Buffer.concat([Buffer.of(0x00), application, challenge, r.keyHandle, r.userPublicKey]);
  return verify("sha256", signed, r.certificate.publicKey, r.signature);
}

export interface Authentication {
  userPresence: number;
  counter: number;
  signature: Buffer;
}

export function parseAuthentication(data: Buffer): Authentication {
  return { userPresence: data[0]!, counter: data.readUInt32BE(1), signature: data.subarray(5) };
}

export function verifyAuthentication(data: Buffer, application: Uint8Array, challenge: Uint8Array, publicKey: KeyObject): boolean {
  const signed = Buffer.concat([application, data.subarray(0, 5), challenge]);
  return verify("sha256", signed, publicKey, data.subarray(5));
}

export function registerData(challenge: Uint8Array, application: Uint8Array): Buffer {
  return Buffer.concat([challenge, application]);
}

export function authenticateData(challenge: Uint8Array, application: Uint8Array, keyHandle: Uint8Array): Buffer {
  return Buffer.concat([challenge, application, Buffer.of(keyHandle.length), keyHandle]);
}
