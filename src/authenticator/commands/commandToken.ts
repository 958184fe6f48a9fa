/**
 * pinUvAuthParam for the management commands (authenticatorCredentialManagement,
 * authenticatorConfig): the platform authenticates a command-specific message
 * with the current pinUvAuthToken, which must hold the command's permission.
 * The permissions RP ID, where it matters, is the caller's to check.
 */
import type { AuthenticatorContext } from "../context.js";
import type { PinUvAuthTokenState } from "../pin/pinUvAuthToken.js";
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
  const token = ctx.session.pin.token;
  if (!token.isInUse(ctx.now())) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, "no pinUvAuthToken in use");
  if (!protocol.verify(token.token, input.message, input.pinUvAuthParam)) {
    throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `pinUvAuthParam does not verify for ${input.purpose}`);
  }
  if (!token.has(input.permission)) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken lacks the permission for ${input.purpose}`);
  token.markUsed();
  return token;
}
