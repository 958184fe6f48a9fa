/**
 * authenticatorGetInfo (0x04), CTAP 2.1 section 6.4: the keys of the
 * response map (the command takes no parameters), named as the spec names
 * them, with those CTAP 2.2 added (0x15 on).
 */

export const Response = {
  versions: 0x01,
  extensions: 0x02,
  aaguid: 0x03,
  options: 0x04,
  maxMsgSize: 0x05,
  pinUvAuthProtocols: 0x06,
  maxCredentialCountInList: 0x07,
  maxCredentialIdLength: 0x08,
  transports: 0x09,
  algorithms: 0x0a,
  maxSerializedLargeBlobArray: 0x0b,
  forcePINChange: 0x0c,
  minPINLength: 0x0d,
  firmwareVersion: 0x0e,
  maxCredBlobLength: 0x0f,
  maxRPIDsForSetMinPINLength: 0x10,
  preferredPlatformUvAttempts: 0x11,
  uvModality: 0x12,
  certifications: 0x13,
  remainingDiscoverableCredentials: 0x14,
  vendorPrototypeConfigCommands: 0x15,
  attestationFormats: 0x16,
  uvCountSinceLastPinEntry: 0x17,
  longTouchForReset: 0x18,
  encIdentifier: 0x19,
  transportsForReset: 0x1a,
  pinComplexityPolicy: 0x1b,
  pinComplexityPolicyURL: 0x1c,
  maxPINLength: 0x1d,
} as const;

export type MemberName = keyof typeof Response;

const namesByKey = new Map<number, MemberName>((Object.entries(Response) as [MemberName, number][]).map(([name, key]) => [key, name]));

/** The spec name of a response member, or undefined for a key the spec does not define. */
export function memberName(key: number): MemberName | undefined {
  return namesByKey.get(key);
}
