/**
 * authenticatorGetInfo (0x04), CTAP 2.2 section 6.4: the response map (the
 * command takes no parameters), each member beside its CBOR key, with those
 * CTAP 2.2 added (0x15 to 0x1D) and CTAP 2.3's 0x1E and 0x1F.
 */
import { anyMap, arrayOf, bool, booleanMap, bytes, optional, required, table, text, uint, type Shape } from "../schema.js";
import { CredentialParameters } from "./entities.js";

export const GetInfoResponse = table({
  versions: required(0x01, arrayOf(text)),
  extensions: optional(0x02, arrayOf(text)),
  aaguid: required(0x03, bytes),
  options: optional(0x04, booleanMap),
  maxMsgSize: optional(0x05, uint),
  pinUvAuthProtocols: optional(0x06, arrayOf(uint)),
  maxCredentialCountInList: optional(0x07, uint),
  maxCredentialIdLength: optional(0x08, uint),
  transports: optional(0x09, arrayOf(text)),
  algorithms: optional(0x0a, arrayOf(CredentialParameters)),
  maxSerializedLargeBlobArray: optional(0x0b, uint),
  forcePINChange: optional(0x0c, bool),
  minPINLength: optional(0x0d, uint),
  firmwareVersion: optional(0x0e, uint),
  maxCredBlobLength: optional(0x0f, uint),
  maxRPIDsForSetMinPINLength: optional(0x10, uint),
  preferredPlatformUvAttempts: optional(0x11, uint),
  uvModality: optional(0x12, uint),
  certifications: optional(0x13, anyMap),
  remainingDiscoverableCredentials: optional(0x14, uint),
  vendorPrototypeConfigCommands: optional(0x15, arrayOf(uint)),
  attestationFormats: optional(0x16, arrayOf(text)),
  uvCountSinceLastPinEntry: optional(0x17, uint),
  longTouchForReset: optional(0x18, bool),
  encIdentifier: optional(0x19, bytes),
  transportsForReset: optional(0x1a, arrayOf(text)),
  pinComplexityPolicy: optional(0x1b, bool),
  pinComplexityPolicyURL: optional(0x1c, bytes),
  maxPINLength: optional(0x1d, uint),
  /** CTAP 2.3: encrypted like encIdentifier, a value that changes whenever the credential store does. */
  encCredStoreState: optional(0x1e, bytes),
  /** CTAP 2.3: the authenticatorConfig subCommands the device implements. */
  authenticatorConfigCommands: optional(0x1f, arrayOf(uint)),
});
export type GetInfoResponse = Shape<typeof GetInfoResponse.fields>;

export type MemberName = keyof typeof GetInfoResponse.fields;

/** A member's CBOR key, e.g. for members a device profile adds by name. */
export function memberKey(name: MemberName): number {
  return GetInfoResponse.fields[name].key as number;
}

const namesByKey = new Map<number, MemberName>(
  (Object.entries(GetInfoResponse.fields) as [MemberName, { key: number }][]).map(([name, field]) => [field.key, name]),
);

/** The spec name of a response member, or undefined for a key the spec does not define. */
export function memberName(key: number): MemberName | undefined {
  return namesByKey.get(key);
}
