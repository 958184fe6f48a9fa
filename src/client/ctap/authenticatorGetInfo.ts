/** authenticatorGetInfo (0x04), CTAP 2.1 section 6.4, seen from the client. */
import { Response } from "../../ctap/messages/getInfo.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { callAuthenticator, malformed, ResponseReader, type CallOptions } from "./command.js";

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
}

/** CTAP 2.1 section 6.4: minPINLength defaults to 4 code points. */
const DEFAULT_MIN_PIN_LENGTH = 4;

/** Defaults CTAP 2.1 section 6.4 gives to options that are absent. */
const OPTION_DEFAULTS: Record<string, boolean> = { rk: false, up: true, plat: false };

/** The effective value of a getInfo option: true, false, or undefined when unsupported. */
export function option(info: AuthenticatorInfo, id: string): boolean | undefined {
  return info.options.get(id) ?? OPTION_DEFAULTS[id];
}

export async function authenticatorGetInfo(transport: CtapTransport, call?: CallOptions): Promise<AuthenticatorInfo> {
  const command = "authenticatorGetInfo";
  const r = new ResponseReader(await callAuthenticator(transport, command, undefined, call), command);
  const strings = (key: number, name: string): string[] =>
    r.array(key, name).map((v) => {
      if (typeof v !== "string") throw malformed(command, `${name} must hold text strings`);
      return v;
    });
  const options = new Map<string, boolean>();
  for (const [id, value] of r.optional(Response.options, (k) => r.subMap(k, "options")) ?? []) {
    if (typeof id !== "string" || typeof value !== "boolean") throw malformed(command, "options must map text to booleans");
    options.set(id, value);
  }
  const info: AuthenticatorInfo = {
    versions: strings(Response.versions, "versions"),
    extensions: r.optional(Response.extensions, (k) => strings(k, "extensions")) ?? [],
    aaguid: r.bytes(Response.aaguid, "aaguid"),
    options,
    pinUvAuthProtocols:
      r.optional(Response.pinUvAuthProtocols, (k) =>
        r.array(k, "pinUvAuthProtocols").map((v) => {
          if (typeof v !== "number") throw malformed(command, "pinUvAuthProtocols must hold integers");
          return v;
        }),
      ) ?? [],
    transports: r.optional(Response.transports, (k) => strings(k, "transports")) ?? [],
    forcePinChange: r.optional(Response.forcePINChange, (k) => r.boolean(k, "forcePINChange")) ?? false,
    minPinLength: r.optional(Response.minPINLength, (k) => r.uint(k, "minPINLength")) ?? DEFAULT_MIN_PIN_LENGTH,
  };
  if (info.aaguid.length !== 16) throw malformed(command, "aaguid must be 16 bytes");
  const maxMsgSize = r.optional(Response.maxMsgSize, (k) => r.uint(k, "maxMsgSize"));
  if (maxMsgSize !== undefined) info.maxMsgSize = maxMsgSize;
  const maxCount = r.optional(Response.maxCredentialCountInList, (k) => r.uint(k, "maxCredentialCountInList"));
  if (maxCount !== undefined && maxCount > 0) info.maxCredentialCountInList = maxCount;
  const maxIdLength = r.optional(Response.maxCredentialIdLength, (k) => r.uint(k, "maxCredentialIdLength"));
  if (maxIdLength !== undefined && maxIdLength > 0) info.maxCredentialIdLength = maxIdLength;
  const maxBlobArray = r.optional(Response.maxSerializedLargeBlobArray, (k) => r.uint(k, "maxSerializedLargeBlobArray"));
  if (maxBlobArray !== undefined) info.maxSerializedLargeBlobArray = maxBlobArray;
  const remaining = r.optional(Response.remainingDiscoverableCredentials, (k) => r.uint(k, "remainingDiscoverableCredentials"));
  if (remaining !== undefined) info.remainingDiscoverableCredentials = remaining;
  const algorithms = r.optional(Response.algorithms, (k) => r.array(k, "algorithms"));
  if (algorithms) {
    info.algorithms = algorithms.map((entry) => {
      if (!(entry instanceof Map) || typeof entry.get("type") !== "string" || typeof entry.get("alg") !== "number") {
        throw malformed(command, "algorithms must hold {alg, type} maps");
      }
      return { type: entry.get("type") as string, alg: entry.get("alg") as number };
    });
  }
  return info;
}
