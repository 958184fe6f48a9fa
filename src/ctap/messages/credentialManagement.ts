/**
 * authenticatorCredentialManagement (0x0A), CTAP 2.1 section 6.8: the
 * subCommands and the keys of the request's parameter map, of
 * subCommandParams and of the response map, named as the spec names them.
 */

export const CredentialManagementSubCommand = {
  getCredsMetadata: 0x01,
  enumerateRPsBegin: 0x02,
  enumerateRPsGetNextRP: 0x03,
  enumerateCredentialsBegin: 0x04,
  enumerateCredentialsGetNextCredential: 0x05,
  deleteCredential: 0x06,
  updateUserInformation: 0x07,
} as const;

export const Param = {
  subCommand: 0x01,
  subCommandParams: 0x02,
  pinUvAuthProtocol: 0x03,
  pinUvAuthParam: 0x04,
} as const;

export const SubCommandParam = {
  rpIDHash: 0x01,
  credentialID: 0x02,
  user: 0x03,
} as const;

export const Response = {
  existingResidentCredentialsCount: 0x01,
  maxPossibleRemainingResidentCredentialsCount: 0x02,
  rp: 0x03,
  rpIDHash: 0x04,
  totalRPs: 0x05,
  user: 0x06,
  credentialID: 0x07,
  publicKey: 0x08,
  totalCredentials: 0x09,
  credProtect: 0x0a,
  largeBlobKey: 0x0b,
} as const;
