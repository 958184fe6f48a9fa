/**
 * pinUvAuthParam handling shared by makeCredential and getAssertion while the
 * authenticator offers no PIN/UV auth protocol (no clientPin, no
 * pinUvAuthToken in getInfo): CTAP 2.1 steps 1-2 of both commands.
 */
import type { AuthenticatorContext } from "../context.js";
import type { CtapRequestContext } from "../transport.js";
import { CtapError, Status } from "../status.js";

export async function rejectPinUvAuthParam(
  _ctx: AuthenticatorContext,
  _request: CtapRequestContext,
  pinUvAuthParam: Uint8Array | undefined,
  pinUvAuthProtocol: number | undefined,
): Promise<void> {
  if (pinUvAuthParam === undefined) return;
  if (pinUvAuthProtocol === undefined) throw new CtapError(Status.CTAP2_ERR_MISSING_PARAMETER, "pinUvAuthProtocol is required with pinUvAuthParam");
  throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `pinUvAuthProtocol ${pinUvAuthProtocol} is not supported`);
}
