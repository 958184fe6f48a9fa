/**
 * Sanity checks on authenticator data before the client passes it on, the
 * ones Chrome makes: it parses, it is for the RP ID asked about, and the
 * user was present. Failures read as NotAllowedError (a malformed response).
 */
import { createHash } from "node:crypto";
import { AuthenticatorDataError, parseAuthenticatorData, type ParsedAuthenticatorData } from "./authenticatorData.js";
import { malformed, type CtapCommandName } from "./ctap/command.js";

export function checkedAuthenticatorData(bytes: Uint8Array, rpId: string, command: CtapCommandName): ParsedAuthenticatorData {
  let authData: ParsedAuthenticatorData;
  try {
    authData = parseAuthenticatorData(bytes);
  } catch (cause) {
    if (cause instanceof AuthenticatorDataError) throw malformed(command, cause.message, cause);
    throw cause;
  }
  if (Buffer.compare(authData.rpIdHash, createHash("sha256").update(rpId).digest()) !== 0) {
    throw malformed(command, `rpIdHash is not SHA-256("${rpId}")`);
  }
  if (!authData.flags.userPresent) throw malformed(command, "the UP flag is not set");
  return authData;
}
