/**
 * authenticatorClientPIN (0x06), CTAP 2.1 section 6.5.5: the subCommands and
 * the keys of the request's parameter map and of the response map, named as
 * the spec names them. The permission bits of the permissions parameter are
 * the token's (../pin/pinUvAuthToken.ts, Permission).
 */

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

export const Param = {
  pinUvAuthProtocol: 0x01,
  subCommand: 0x02,
  keyAgreement: 0x03,
  pinUvAuthParam: 0x04,
  newPinEnc: 0x05,
  pinHashEnc: 0x06,
  permissions: 0x09,
  rpId: 0x0a,
} as const;

export const Response = {
  keyAgreement: 0x01,
  pinUvAuthToken: 0x02,
  pinRetries: 0x03,
  powerCycleState: 0x04,
  uvRetries: 0x05,
} as const;
