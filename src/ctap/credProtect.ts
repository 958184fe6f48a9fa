/**
 * credProtect levels (CTAP 2.2 section 12.1), named as the spec names them.
 * A credential made without the extension is at userVerificationOptional.
 */
export const CredProtect = {
  userVerificationOptional: 1,
  userVerificationOptionalWithCredentialIDList: 2,
  userVerificationRequired: 3,
} as const;
