import type { AttestationStatement } from "./types.js";

/** "none" attestation (WebAuthn section 8.7): no statement at all. */
export function noneAttestation(): AttestationStatement {
  return { fmt: "none", attStmt: new Map() };
}
