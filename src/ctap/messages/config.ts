/**
 * authenticatorConfig (0x0D), CTAP 2.2 section 6.11: the subCommands, the
 * request's parameter map and setMinPINLength's subCommandParams, each field
 * beside its CBOR key. The command answers with no response map.
 */
import { Command } from "../commands.js";
import { anyMap, arrayOf, bool, bytes, int, optional, required, table, text, uint, type Shape } from "../schema.js";

export const ConfigSubCommand = {
  enableEnterpriseAttestation: 0x01,
  toggleAlwaysUv: 0x02,
  setMinPINLength: 0x03,
  vendorPrototype: 0xff,
} as const;

/** subCommandParams stays a raw map: pinUvAuthParam covers its canonical encoding, unknown members included. */
export const ConfigRequest = table({
  subCommand: required(0x01, int),
  subCommandParams: optional(0x02, anyMap),
  pinUvAuthProtocol: optional(0x03, int),
  pinUvAuthParam: optional(0x04, bytes),
});
export type ConfigRequest = Shape<typeof ConfigRequest.fields>;

export const SetMinPinLengthParams = table({
  newMinPINLength: optional(0x01, int),
  minPinLengthRPIDs: optional(0x02, arrayOf(text)),
  forceChangePin: optional(0x03, bool),
  /** CTAP 2.3: turn the authenticator's PIN complexity policy on (it cannot be turned off but by a reset). */
  pinComplexityPolicy: optional(0x04, bool),
});
export type SetMinPinLengthParams = Shape<typeof SetMinPinLengthParams.fields>;

/** vendorPrototype's subCommandParams (section 6.11.5): which vendor command, from getInfo's vendorPrototypeConfigCommands. */
export const VendorPrototypeParams = table({
  vendorCommandId: required(0x01, uint),
});
export type VendorPrototypeParams = Shape<typeof VendorPrototypeParams.fields>;

/**
 * What a pinUvAuthParam authenticates (section 6.11, step 4.3):
 * 32×0xff || 0x0d || uint8(subCommand) || subCommandParams (canonical CBOR, when present).
 */
export function configMessage(subCommand: number, encodedParams: Uint8Array): Uint8Array {
  const message = new Uint8Array(34 + encodedParams.length);
  message.fill(0xff, 0, 32);
  message[32] = Command.authenticatorConfig;
  message[33] = subCommand;
  message.set(encodedParams, 34);
  return message;
}
