/**
 * The WebAuthn structures CTAP carries inside its messages (CTAP 2.2 section
 * 6.1.1 and WebAuthn L3 section 5.4): relying party and user entities,
 * credential descriptors and credential parameters, as CBOR maps with text keys.
 */
import { arrayOf, bytes, int, optional, required, table, text, type Shape } from "../schema.js";

/** PublicKeyCredentialRpEntity: id, and name when the platform sends it. */
export const RpEntity = table({
  id: required("id", text),
  name: optional("name", text),
});
export type RpEntity = Shape<typeof RpEntity.fields>;

/** PublicKeyCredentialUserEntity: id always; name and displayName when known. */
export const UserEntity = table({
  id: required("id", bytes),
  name: optional("name", text),
  displayName: optional("displayName", text),
});
export type UserEntity = Shape<typeof UserEntity.fields>;

/** PublicKeyCredentialDescriptor: type and id; transports are the platform's concern and only checked for shape. */
export const CredentialDescriptor = table({
  type: required("type", text),
  id: required("id", bytes),
  transports: optional("transports", arrayOf(text)),
});
export type CredentialDescriptor = Shape<typeof CredentialDescriptor.fields>;

/** PublicKeyCredentialParameters: a type and a COSE algorithm identifier. */
export const CredentialParameters = table({
  type: required("type", text),
  alg: required("alg", int),
});
export type CredentialParameters = Shape<typeof CredentialParameters.fields>;

/** A descriptor naming a public-key credential, as authenticators send them back. */
export function publicKeyDescriptor(id: Uint8Array): CredentialDescriptor {
  return { type: "public-key", id };
}
