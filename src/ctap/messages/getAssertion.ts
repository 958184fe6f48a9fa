/**
 * authenticatorGetAssertion (0x02), CTAP 2.2 section 6.2: the request's
 * parameter map and the response map, each field beside its CBOR key.
 * authenticatorGetNextAssertion (0x08, section 6.3) answers with the same
 * response map.
 */
import { anyMap, arrayOf, bool, booleanMap, bytes, int, optional, required, table, text, uint, type Shape } from "../schema.js";
import { CredentialDescriptor, UserEntity } from "./entities.js";

export const GetAssertionRequest = table({
  rpId: required(0x01, text),
  clientDataHash: required(0x02, bytes),
  allowList: optional(0x03, arrayOf(CredentialDescriptor)),
  /** Authenticator extension inputs by identifier. */
  extensions: optional(0x04, anyMap),
  options: optional(0x05, booleanMap),
  pinUvAuthParam: optional(0x06, bytes),
  pinUvAuthProtocol: optional(0x07, int),
});
export type GetAssertionRequest = Shape<typeof GetAssertionRequest.fields>;

/** largeBlobKey is the largeBlobKey extension's output (section 12.3), beside the authenticator data. */
export const GetAssertionResponse = table({
  /** May be omitted when the allowList had exactly one entry. */
  credential: optional(0x01, CredentialDescriptor),
  authData: required(0x02, bytes),
  signature: required(0x03, bytes),
  user: optional(0x04, UserEntity),
  numberOfCredentials: optional(0x05, uint),
  userSelected: optional(0x06, bool),
  largeBlobKey: optional(0x07, bytes),
});
export type GetAssertionResponse = Shape<typeof GetAssertionResponse.fields>;
