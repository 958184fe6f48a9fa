/**
 * authenticatorClientPIN (0x06), CTAP 2.2 section 6.5.5: the subCommands,
 * the request's parameter map and the response map, each field beside its
 * CBOR key. The permission bits are in ../permissions.ts.
 */
import { anyMap, bool, bytes, int, optional, required, table, text, uint, type Shape } from "../schema.js";

export const ClientPinSubCommand = {
  getPINRetries: 0x01,
  getKeyAgreement: 0x02,
  setPIN: 0x03,
  changePIN: 0x04,
  getPinToken: 0x05,
  getPinUvAuthTokenUsingUvWithPermissions: 0x06,
  getUVRetries: 0x07,
  getPinUvAuthTokenUsingPinWithPermissions: 0x09,
} as const;

export const ClientPinRequest = table({
  pinUvAuthProtocol: optional(0x01, int),
  subCommand: required(0x02, int),
  /** The platform's key agreement public key (COSE_Key). */
  keyAgreement: optional(0x03, anyMap),
  pinUvAuthParam: optional(0x04, bytes),
  newPinEnc: optional(0x05, bytes),
  pinHashEnc: optional(0x06, bytes),
  permissions: optional(0x09, int),
  rpId: optional(0x0a, text),
});
export type ClientPinRequest = Shape<typeof ClientPinRequest.fields>;

export const ClientPinResponse = table({
  /** The authenticator's key agreement public key (COSE_Key). */
  keyAgreement: optional(0x01, anyMap),
  /** Encrypted under the shared secret. */
  pinUvAuthToken: optional(0x02, bytes),
  pinRetries: optional(0x03, uint),
  powerCycleState: optional(0x04, bool),
  uvRetries: optional(0x05, uint),
});
export type ClientPinResponse = Shape<typeof ClientPinResponse.fields>;
