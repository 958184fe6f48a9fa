/**
 * authenticatorConfig (0x0D), CTAP 2.1 section 6.11: the subCommands and the
 * keys of the request's parameter map and of setMinPINLength's
 * subCommandParams, named as the spec names them. The command answers with
 * no response map.
 */

export const ConfigSubCommand = {
  enableEnterpriseAttestation: 0x01,
  toggleAlwaysUv: 0x02,
  setMinPINLength: 0x03,
  vendorPrototype: 0xff,
} as const;

export const Param = {
  subCommand: 0x01,
  subCommandParams: 0x02,
  pinUvAuthProtocol: 0x03,
  pinUvAuthParam: 0x04,
} as const;

export const SetMinPinLengthParam = {
  newMinPINLength: 0x01,
  minPinLengthRPIDs: 0x02,
  forceChangePin: 0x03,
} as const;
