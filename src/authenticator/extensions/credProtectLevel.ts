/**
 * A credential's credProtect level (CTAP 2.2 section 12.1), read where getAssertion
 * decides which credentials it may reveal. A credential without the extension is level 1.
 */
import { CredProtect } from "../../ctap/credProtect.js";
import type { CredentialRecord } from "../store.js";

export function credProtectLevel(record: CredentialRecord): number {
  const level = record.extensions?.credProtect;
  return typeof level === "number" ? level : CredProtect.userVerificationOptional;
}
