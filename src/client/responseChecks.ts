/**
 * Sanity checks on authenticator data before the client passes it on, the
 * ones Chrome makes: it parses, it is for the RP ID asked about, and the
 * user was present. Failures read as NotAllowedError (a malformed response).
 *
 * With `passThrough` (a test of how the RP treats a faulty key) the flags and
 * rpIdHash go to the RP unchecked, and an assertion's authenticator data that
 * does not even parse is passed on as it is (a registration's cannot be: the
 * client needs the credential ID in it).
 */
import { createHash } from "node:crypto";
import type { CommandName } from "../ctap/commands.js";
import { AuthenticatorDataError, parseAuthenticatorData, type ParsedAuthenticatorData } from "../ctap/authenticatorData.js";
import { malformed } from "./ctap/command.js";

export function checkedAuthenticatorData(
  bytes: Uint8Array,
  rpId: string,
  command: CommandName,
  passThrough = false,
): ParsedAuthenticatorData {
  let authData: ParsedAuthenticatorData;
  try {
    authData = parseAuthenticatorData(bytes);
  } catch (cause) {
    if (passThrough && command === "authenticatorGetAssertion") return unparsed(bytes);
    if (cause instanceof AuthenticatorDataError) throw malformed(command, cause.message, cause);
    throw cause;
  }
  if (passThrough) return authData;
  if (Buffer.compare(authData.rpIdHash, createHash("sha256").update(rpId).digest()) !== 0) {
    throw malformed(command, `rpIdHash is not SHA-256("${rpId}")`);
  }
  if (!authData.flags.userPresent) throw malformed(command, "the UP flag is not set");
  return authData;
}

/** Authenticator data that does not parse, as far as the client needs it: no flags, no extensions. */
function unparsed(bytes: Uint8Array): ParsedAuthenticatorData {
  return {
    rpIdHash: bytes.subarray(0, 32),
    flags: {
      userPresent: false,
      userVerified: false,
      backupEligible: false,
      backupState: false,
      attestedCredentialData: false,
      extensionData: false,
      value: 0,
    },
    signCount: 0,
  };
}
