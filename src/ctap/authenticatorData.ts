/**
 * Authenticator data (WebAuthn L3 section 6.1), encoded and parsed in one
 * place: rpIdHash (32), flags (1), signCount (4, big-endian), then attested
 * credential data (section 6.5.1: AAGUID (16), credentialIdLength (2),
 * credentialId, COSE key) when AT is set, then a CBOR extensions map when ED
 * is set. Nothing may follow.
 */
import { decodeCbor, encodeCanonical, type CborMap } from "./cbor.js";
import { cborItemLength } from "./cborItemLength.js";

/** Flag bits of the flags byte, as WebAuthn names them. */
export const FlagBit = {
  UP: 0x01,
  UV: 0x04,
  BE: 0x08,
  BS: 0x10,
  AT: 0x40,
  ED: 0x80,
} as const;

/** Offset of the flags byte, and of the AAGUID when attested credential data is present. */
export const FLAGS_OFFSET = 32;
export const AAGUID_OFFSET = 37;
const HEADER_LENGTH = 37;

export interface AttestedCredentialData {
  aaguid: Uint8Array;
  credentialId: Uint8Array;
  /** The COSE_Key exactly as encoded. */
  credentialPublicKey: Uint8Array;
}

/** What an authenticator puts into authenticator data; AT and ED follow from what is present. */
export interface AuthenticatorDataFields {
  rpIdHash: Uint8Array;
  userPresent: boolean;
  userVerified: boolean;
  backupEligible?: boolean;
  backupState?: boolean;
  signCount: number;
  attestedCredentialData?: AttestedCredentialData;
  /** CBOR-encoded extension outputs map. */
  extensions?: Uint8Array;
}

/** The flags byte, read out. */
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

export interface ParsedAuthenticatorData {
  rpIdHash: Uint8Array;
  flags: AuthenticatorDataFlags;
  signCount: number;
  /** With the COSE key also decoded. */
  attestedCredentialData?: AttestedCredentialData & { cosePublicKey: CborMap };
  extensions?: CborMap;
}

export class AuthenticatorDataError extends Error {
  override name = "AuthenticatorDataError";
}

export function encodeAuthenticatorData(fields: AuthenticatorDataFields): Uint8Array {
  const attested = fields.attestedCredentialData;
  const attestedLength = attested ? 18 + attested.credentialId.length + attested.credentialPublicKey.length : 0;
  const out = new Uint8Array(HEADER_LENGTH + attestedLength + (fields.extensions?.length ?? 0));
  out.set(fields.rpIdHash, 0);
  let flags = 0;
  if (fields.userPresent) flags |= FlagBit.UP;
  if (fields.userVerified) flags |= FlagBit.UV;
  if (fields.backupEligible) flags |= FlagBit.BE;
  if (fields.backupState) flags |= FlagBit.BS;
  if (attested) flags |= FlagBit.AT;
  if (fields.extensions) flags |= FlagBit.ED;
  out[FLAGS_OFFSET] = flags;
  new DataView(out.buffer).setUint32(33, fields.signCount >>> 0);
  let offset = HEADER_LENGTH;
  if (attested) {
    out.set(attested.aaguid, offset);
    out[offset + 16] = attested.credentialId.length >> 8;
    out[offset + 17] = attested.credentialId.length & 0xff;
    out.set(attested.credentialId, offset + 18);
    offset += 18 + attested.credentialId.length;
    out.set(attested.credentialPublicKey, offset);
    offset += attested.credentialPublicKey.length;
  }
  if (fields.extensions) out.set(fields.extensions, offset);
  return out;
}

export function parseAuthenticatorData(bytes: Uint8Array): ParsedAuthenticatorData {
  if (bytes.length < HEADER_LENGTH) {
    throw new AuthenticatorDataError(`authenticator data is ${bytes.length} bytes, shorter than the 37-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = bytes[FLAGS_OFFSET]!;
  const flags: AuthenticatorDataFlags = {
    userPresent: (value & FlagBit.UP) !== 0,
    userVerified: (value & FlagBit.UV) !== 0,
    backupEligible: (value & FlagBit.BE) !== 0,
    backupState: (value & FlagBit.BS) !== 0,
    attestedCredentialData: (value & FlagBit.AT) !== 0,
    extensionData: (value & FlagBit.ED) !== 0,
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

/** Parsed authenticator data back into the fields encodeAuthenticatorData takes (extensions re-encoded canonically). */
export function authenticatorDataFields(parsed: ParsedAuthenticatorData): AuthenticatorDataFields {
  const attested = parsed.attestedCredentialData;
  return {
    rpIdHash: parsed.rpIdHash,
    userPresent: parsed.flags.userPresent,
    userVerified: parsed.flags.userVerified,
    backupEligible: parsed.flags.backupEligible,
    backupState: parsed.flags.backupState,
    signCount: parsed.signCount,
    ...(attested
      ? { attestedCredentialData: { aaguid: attested.aaguid, credentialId: attested.credentialId, credentialPublicKey: attested.credentialPublicKey } }
      : {}),
    ...(parsed.extensions ? { extensions: encodeCanonical(parsed.extensions) } : {}),
  };
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
