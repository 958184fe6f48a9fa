/**
 * credProtect levels (CTAP 2.1 section 12.1), read where getAssertion decides
 * which credentials it may reveal. A credential without the extension is level 1.
 */
import type { CredentialRecord } from "../../keystore/records.js";

export const CredProtect = {
  userVerificationOptional: 1,
  userVerificationOptionalWithCredentialIDList: 2,
  userVerificationRequired: 3,
} as const;

export function credProtectLevel(record: CredentialRecord): number {
  const level = record.extensions?.credProtect;
  return typeof level === "number" ? level : CredProtect.userVerificationOptional;
}
