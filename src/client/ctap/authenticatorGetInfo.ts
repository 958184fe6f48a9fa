/**
 * authenticatorGetInfo (0x04), CTAP 2.2 section 6.4, seen from the client:
 * the response read through its table, with CTAP's defaults for what is absent.
 */
import { GetInfoResponse } from "../../ctap/messages/getInfo.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { bytesEqual } from "../../bytes/equal.js";
import { decodeResponse, exchange, malformed, readResponse, type CallOptions } from "./command.js";

/** Shared between ceremonies (authenticatorGetInfo keeps the last one): never modified after parsing. */
export interface AuthenticatorInfo {
  versions: string[];
  extensions: string[];
  aaguid: Uint8Array;
  /** Option IDs as sent; absent means "not supported" except where CTAP gives a default (see `option`). */
  options: Map<string, boolean>;
  maxMsgSize?: number;
  pinUvAuthProtocols: number[];
  maxCredentialCountInList?: number;
  maxCredentialIdLength?: number;
  transports: string[];
  /** Algorithms the authenticator supports, most preferred first; absent when it does not say. */
  algorithms?: { type: string; alg: number }[];
  /** Largest serialized large-blob array it stores (authenticatorLargeBlobs); CTAP's minimum is 1024. */
  maxSerializedLargeBlobArray?: number;
  /** The PIN must be changed before it can be used for anything else. */
  forcePinChange: boolean;
  /** Minimum PIN length in Unicode code points; CTAP's default is 4. */
  minPinLength: number;
  /** Discoverable credentials it can still store, when it says. */
  remainingDiscoverableCredentials?: number;
  /** Longest credBlob it stores (credBlob extension); absent when it does not say. */
  maxCredBlobLength?: number;
}

/** getInfo's keys of the encrypted members (CTAP 2.2 section 6.4), each above 23: encoded 0x18 then the key. */
const ENC_IDENTIFIER = 0x19;
const ENC_CRED_STORE_STATE = 0x1e;

/** CTAP 2.1 section 6.4: minPINLength defaults to 4 code points. */
const DEFAULT_MIN_PIN_LENGTH = 4;

/** Defaults CTAP 2.1 section 6.4 gives to options that are absent. */
const OPTION_DEFAULTS: Record<string, boolean> = { rk: false, up: true, plat: false };

/** The effective value of a getInfo option: true, false, or undefined when unsupported. */
export function option(info: AuthenticatorInfo, id: string): boolean | undefined {
  return info.options.get(id) ?? OPTION_DEFAULTS[id];
}

/**
 * The last answer read: a client asks before every ceremony, and the answer rarely changes. Where
 * it may differ is `ignored`: the byte ranges of encIdentifier and encCredStoreState, which a
 * CTAP 2.2 key encrypts under a fresh IV on every call (so that they track nobody) and which this
 * client does not read.
 */
let last: { body: Uint8Array; ignored: [number, number][]; info: AuthenticatorInfo } | undefined;

/** authenticatorGetInfo, asked every time; an answer that matches the last one where it matters is not parsed again. */
export async function authenticatorGetInfo(transport: CtapTransport, call?: CallOptions): Promise<AuthenticatorInfo> {
  const body = await exchange(transport, "authenticatorGetInfo", undefined, call);
  if (last && sameAnswer(last.body, body, last.ignored)) return last.info;
  const { info, ignored } = parseInfo(body);
  last = { body: body.slice(), ignored, info };
  return info;
}

function sameAnswer(previous: Uint8Array, body: Uint8Array, ignored: [number, number][]): boolean {
  if (bytesEqual(previous, body)) return true;
  if (previous.length !== body.length || ignored.length === 0) return false;
  let from = 0;
  for (const [start, end] of ignored) {
    if (Buffer.compare(previous.subarray(from, start), body.subarray(from, start)) !== 0) return false;
    from = end;
  }
  return Buffer.compare(previous.subarray(from), body.subarray(from)) === 0;
}

/** Where a member's value stands in the answer: found with its key and header, which 32 random bytes make unique. */
function valueRange(body: Uint8Array, key: number, value: Uint8Array | undefined): [number, number][] {
  if (!value || value.length > 0xff) return []; // a longer byte string has a longer header; these members are 32 bytes
  const header = value.length < 24 ? [0x40 + value.length] : [0x58, value.length];
  const needle = Buffer.concat([Uint8Array.of(0x18, key, ...header), value]);
  const at = Buffer.from(body.buffer, body.byteOffset, body.length).indexOf(needle);
  return at < 0 ? [] : [[at + needle.length - value.length, at + needle.length]];
}

function parseInfo(body: Uint8Array): { info: AuthenticatorInfo; ignored: [number, number][] } {
  const command = "authenticatorGetInfo";
  const r = readResponse(GetInfoResponse, decodeResponse(body, command), command);
  if (r.aaguid.length !== 16) throw malformed(command, "aaguid must be 16 bytes");
  const info: AuthenticatorInfo = {
    versions: r.versions,
    extensions: r.extensions ?? [],
    aaguid: r.aaguid,
    options: r.options ?? new Map(),
    pinUvAuthProtocols: r.pinUvAuthProtocols ?? [],
    transports: r.transports ?? [],
    forcePinChange: r.forcePINChange ?? false,
    minPinLength: r.minPINLength ?? DEFAULT_MIN_PIN_LENGTH,
  };
  if (r.maxMsgSize !== undefined) info.maxMsgSize = r.maxMsgSize;
  // Zero means "not reported" for the two list limits.
  if (r.maxCredentialCountInList) info.maxCredentialCountInList = r.maxCredentialCountInList;
  if (r.maxCredentialIdLength) info.maxCredentialIdLength = r.maxCredentialIdLength;
  if (r.maxSerializedLargeBlobArray !== undefined) info.maxSerializedLargeBlobArray = r.maxSerializedLargeBlobArray;
  if (r.remainingDiscoverableCredentials !== undefined) info.remainingDiscoverableCredentials = r.remainingDiscoverableCredentials;
  if (r.maxCredBlobLength !== undefined) info.maxCredBlobLength = r.maxCredBlobLength;
  if (r.algorithms) info.algorithms = r.algorithms.map(({ type, alg }) => ({ type, alg }));
  const ignored = [...valueRange(body, ENC_IDENTIFIER, r.encIdentifier), ...valueRange(body, ENC_CRED_STORE_STATE, r.encCredStoreState)];
  return { info, ignored };
}
