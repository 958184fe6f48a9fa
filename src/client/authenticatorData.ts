/**
 * Parsing authenticator data (WebAuthn L3 section 6.1): rpIdHash (32),
 * flags (1), signCount (4, big-endian), then attested credential data
 * (section 6.5.1: AAGUID (16), credentialIdLength (2), credentialId, COSE
 * key) when AT is set, then a CBOR extensions map when ED is set. Nothing may
 * follow.
 */
import { AuthenticatorDataFlags as Flag } from "../ctap2/authenticatorData.js";
import { decodeCbor, type CborMap } from "../ctap2/cbor.js";
import { cborItemLength } from "./cborItemLength.js";

export interface AuthenticatorDataFlags {
  userPresent: boolean;
  userVerified: boolean;
  backupEligible: boolean;
  backupState: boolean;
  attestedCredentialData: boolean;
  extensionData: boolean;
  /** The flags byte as sent. */
  value: number;
}

export interface AttestedCredentialData {
  aaguid: Uint8Array;
  credentialId: Uint8Array;
  /** The COSE_Key exactly as encoded. */
  credentialPublicKey: Uint8Array;
  /** The same key decoded. */
  cosePublicKey: CborMap;
}

export interface ParsedAuthenticatorData {
  rpIdHash: Uint8Array;
  flags: AuthenticatorDataFlags;
  signCount: number;
  attestedCredentialData?: AttestedCredentialData;
  extensions?: CborMap;
}

export class AuthenticatorDataError extends Error {
  override name = "AuthenticatorDataError";
}

/** Offset of the AAGUID inside authenticator data that carries attested credential data. */
export const AAGUID_OFFSET = 37;
const HEADER_LENGTH = 37;

export function parseAuthenticatorData(bytes: Uint8Array): ParsedAuthenticatorData {
  if (bytes.length < HEADER_LENGTH) {
    throw new AuthenticatorDataError(`authenticator data is ${bytes.length} bytes, shorter than the 37-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = bytes[32]!;
  const flags: AuthenticatorDataFlags = {
    userPresent: (value & Flag.UP) !== 0,
    userVerified: (value & Flag.UV) !== 0,
    backupEligible: (value & Flag.BE) !== 0,
    backupState: (value & Flag.BS) !== 0,
    attestedCredentialData: (value & Flag.AT) !== 0,
    extensionData: (value & Flag.ED) !== 0,
    value,
  };
  const parsed: ParsedAuthenticatorData = {
    rpIdHash: copy(bytes, 0, 32),
    flags,
    signCount: view.getUint32(33),
  };
  let offset = HEADER_LENGTH;
  if (flags.attestedCredentialData) {
    if (bytes.length < offset + 18) throw new AuthenticatorDataError("attested credential data is truncated");
    const aaguid = copy(bytes, offset, offset + 16);
    const idLength = view.getUint16(offset + 16);
    offset += 18;
    if (bytes.length < offset + idLength) throw new AuthenticatorDataError("credential ID is truncated");
    const credentialId = copy(bytes, offset, offset + idLength);
    offset += idLength;
    const keyLength = itemLength(bytes, offset, "credential public key");
    const credentialPublicKey = copy(bytes, offset, offset + keyLength);
    offset += keyLength;
    const cosePublicKey = decodeMap(credentialPublicKey, "credential public key");
    parsed.attestedCredentialData = { aaguid, credentialId, credentialPublicKey, cosePublicKey };
  }
  if (flags.extensionData) {
    const length = itemLength(bytes, offset, "extensions");
    parsed.extensions = decodeMap(bytes.subarray(offset, offset + length), "extensions");
    offset += length;
  }
  if (offset !== bytes.length) {
    throw new AuthenticatorDataError(`${bytes.length - offset} unexpected bytes after authenticator data`);
  }
  return parsed;
}

/** A copy of `authData` with the AAGUID replaced by 16 zero bytes (for "none" attestation conveyance). */
export function withZeroAaguid(authData: Uint8Array): Uint8Array {
  const zeroed = copy(authData, 0, authData.length);
  zeroed.fill(0, AAGUID_OFFSET, AAGUID_OFFSET + 16);
  return zeroed;
}

/** A plain Uint8Array copy. (Buffer#slice would return a view sharing memory.) */
function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

function itemLength(bytes: Uint8Array, offset: number, what: string): number {
  try {
    return cborItemLength(bytes, offset);
  } catch (cause) {
    throw new AuthenticatorDataError(`${what}: ${(cause as Error).message}`, { cause });
  }
}

function decodeMap(bytes: Uint8Array, what: string): CborMap {
  let value;
  try {
    value = decodeCbor(bytes);
  } catch (cause) {
    throw new AuthenticatorDataError(`${what}: ${(cause as Error).message}`, { cause });
  }
  if (!(value instanceof Map)) throw new AuthenticatorDataError(`${what} is not a CBOR map`);
  return value;
}
