/**
 * authenticatorMakeCredential (0x01), CTAP 2.2 section 6.1: the request's
 * parameter map and the response map, each field beside its CBOR key.
 */
import { anyMap, arrayOf, bool, booleanMap, bytes, int, optional, required, table, text, type Shape } from "../schema.js";
import { CredentialDescriptor, CredentialParameters, RpEntity, UserEntity } from "./entities.js";

export const MakeCredentialRequest = table({
  clientDataHash: required(0x01, bytes),
  rp: required(0x02, RpEntity),
  user: required(0x03, UserEntity),
  pubKeyCredParams: required(0x04, arrayOf(CredentialParameters)),
  excludeList: optional(0x05, arrayOf(CredentialDescriptor)),
  /** Authenticator extension inputs by identifier. */
  extensions: optional(0x06, anyMap),
  options: optional(0x07, booleanMap),
  pinUvAuthParam: optional(0x08, bytes),
  pinUvAuthProtocol: optional(0x09, int),
  enterpriseAttestation: optional(0x0a, int),
  /** CTAP 2.2: attestation statement formats in the platform's order of preference (section 6.1, step 20). */
  attestationFormatsPreference: optional(0x0b, arrayOf(text)),
});
export type MakeCredentialRequest = Shape<typeof MakeCredentialRequest.fields>;

/** largeBlobKey is the largeBlobKey extension's output (section 12.3), beside the authenticator data. */
export const MakeCredentialResponse = table({
  fmt: required(0x01, text),
  authData: required(0x02, bytes),
  attStmt: required(0x03, anyMap),
  epAtt: optional(0x04, bool),
  largeBlobKey: optional(0x05, bytes),
});
export type MakeCredentialResponse = Shape<typeof MakeCredentialResponse.fields>;
