/**
 * authenticatorCredentialManagement (0x0A), CTAP 2.2 section 6.8: the
 * subCommands, the request's parameter map, subCommandParams and the
 * response map, each field beside its CBOR key.
 */
import { anyMap, bool, bytes, int, optional, required, table, uint, type Shape } from "../schema.js";
import { CredentialDescriptor, RpEntity, UserEntity } from "./entities.js";

export const CredentialManagementSubCommand = {
  getCredsMetadata: 0x01,
  enumerateRPsBegin: 0x02,
  enumerateRPsGetNextRP: 0x03,
  enumerateCredentialsBegin: 0x04,
  enumerateCredentialsGetNextCredential: 0x05,
  deleteCredential: 0x06,
  updateUserInformation: 0x07,
} as const;

/** subCommandParams stays a raw map: pinUvAuthParam covers its canonical encoding, unknown members included. */
export const CredentialManagementRequest = table({
  subCommand: required(0x01, int),
  subCommandParams: optional(0x02, anyMap),
  pinUvAuthProtocol: optional(0x03, int),
  pinUvAuthParam: optional(0x04, bytes),
});
export type CredentialManagementRequest = Shape<typeof CredentialManagementRequest.fields>;

export const CredentialManagementParams = table({
  rpIDHash: optional(0x01, bytes),
  credentialID: optional(0x02, CredentialDescriptor),
  user: optional(0x03, UserEntity),
});
export type CredentialManagementParams = Shape<typeof CredentialManagementParams.fields>;

export const CredentialManagementResponse = table({
  existingResidentCredentialsCount: optional(0x01, uint),
  maxPossibleRemainingResidentCredentialsCount: optional(0x02, uint),
  rp: optional(0x03, RpEntity),
  rpIDHash: optional(0x04, bytes),
  totalRPs: optional(0x05, uint),
  user: optional(0x06, UserEntity),
  credentialID: optional(0x07, CredentialDescriptor),
  /** The credential's COSE_Key. */
  publicKey: optional(0x08, anyMap),
  totalCredentials: optional(0x09, uint),
  credProtect: optional(0x0a, uint),
  largeBlobKey: optional(0x0b, bytes),
  /** CTAP 2.3: the credential was made with the thirdPartyPayment extension. */
  thirdPartyPayment: optional(0x0c, bool),
});
export type CredentialManagementResponse = Shape<typeof CredentialManagementResponse.fields>;
