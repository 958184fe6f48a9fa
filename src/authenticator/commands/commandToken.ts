/**
 * Checking a pinUvAuthParam against the current pinUvAuthToken, for every
 * command that carries one (makeCredential and getAssertion through
 * pinUvAuth.ts, authenticatorCredentialManagement, authenticatorConfig,
 * authenticatorLargeBlobs): the token must be in use, the parameter must
 * verify under the named protocol's token, and the token must hold the
 * command's permission. The permissions RP ID, where it matters, is the
 * caller's to check.
 */
import type { AuthenticatorContext } from "../context.js";
import type { PinUvAuthTokenState } from "../pin/pinUvAuthToken.js";
import type { PinUvAuthProtocol } from "../../ctap/pinUvAuthProtocol.js";
import { CtapError, Status } from "../../ctap/status.js";
import { selectProtocol } from "./clientPin.js";

export interface CommandTokenInput {
  pinUvAuthParam: Uint8Array | undefined;
  pinUvAuthProtocol: number | undefined;
  /** What the platform authenticated, e.g. subCommand || subCommandParams. */
  message: Uint8Array;
  permission: number;
  /** For the log: the command and subcommand. */
  purpose: string;
}

/**
 * Missing pinUvAuthParam is CTAP2_ERR_PUAT_REQUIRED, a missing or unsupported
 * protocol MISSING_PARAMETER or INVALID_PARAMETER; a token that is not in use,
 * does not verify or lacks the permission is CTAP2_ERR_PIN_AUTH_INVALID.
 */
export function verifyCommandToken(ctx: AuthenticatorContext, input: CommandTokenInput): PinUvAuthTokenState {
  if (input.pinUvAuthParam === undefined) throw new CtapError(Status.CTAP2_ERR_PUAT_REQUIRED, `${input.purpose} needs a pinUvAuthParam`);
  const protocol = selectProtocol(ctx, input.pinUvAuthProtocol);
  return checkTokenParam(ctx, protocol, input.message, input.pinUvAuthParam, input.permission, input.purpose);
}

/** The checks every pinUvAuthParam goes through once its protocol is known; marks the token used. */
export function checkTokenParam(
  ctx: AuthenticatorContext,
  protocol: PinUvAuthProtocol,
  message: Uint8Array,
  pinUvAuthParam: Uint8Array,
  permission: number,
  purpose: string,
): PinUvAuthTokenState {
  const token = ctx.session.pin.token;
  if (!token.isInUse(ctx.now())) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, "no pinUvAuthToken in use");
  // Under the token of the protocol named: a token obtained under the other protocol does not verify.
  if (!token.authenticates(protocol, message, pinUvAuthParam)) {
    throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `pinUvAuthParam does not verify for ${purpose}`);
  }
  if (!token.has(permission)) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken lacks the permission for ${purpose}`);
  token.markUsed();
  return token;
}
