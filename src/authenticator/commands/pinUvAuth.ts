/**
 * pinUvAuthParam in makeCredential and getAssertion (CTAP 2.1 sections 6.1.2
 * and 6.2.2, steps 1-2 and the pinUvAuthToken checks): the token proves user
 * verification for one RP and one purpose.
 */
import type { AuthenticatorContext } from "../context.js";
import type { CtapRequestContext } from "../../ctap/transport.js";
import { CtapError, Status } from "../../ctap/status.js";
import { collectUserPresence } from "../userPresence.js";
import { loadPinState } from "../pin/pinState.js";
import { selectProtocol } from "./clientPin.js";

export interface PinUvAuthInput {
  pinUvAuthParam: Uint8Array | undefined;
  pinUvAuthProtocol: number | undefined;
  clientDataHash: Uint8Array;
  /** The permission the command needs (mc or ga). */
  permission: number;
  rpId: string;
  purpose: "makeCredential" | "getAssertion";
}

/** What a verified pinUvAuthToken contributes to the response flags. */
export interface PinUvAuthOutcome {
  userVerified: boolean;
  /** The token was obtained with built-in UV, which includes the user's gesture. */
  userPresent: boolean;
}

/**
 * Returns undefined when there is no pinUvAuthParam; otherwise verifies it
 * against the current pinUvAuthToken or answers the status the spec gives.
 */
export async function verifyPinUvAuthParam(
  ctx: AuthenticatorContext,
  request: CtapRequestContext,
  input: PinUvAuthInput,
): Promise<PinUvAuthOutcome | undefined> {
  const { pinUvAuthParam } = input;
  if (pinUvAuthParam === undefined) return undefined;
  // A zero-length pinUvAuthParam is a platform asking the user to pick this key (step 1).
  if (pinUvAuthParam.length === 0) {
    await collectUserPresence(ctx, { purpose: "selection", rpId: input.rpId }, request);
    const { pinHash } = await loadPinState(ctx);
    throw new CtapError(pinHash ? Status.CTAP2_ERR_PIN_INVALID : Status.CTAP2_ERR_PIN_NOT_SET, "zero-length pinUvAuthParam");
  }
  const protocol = selectProtocol(ctx, input.pinUvAuthProtocol);
  const token = ctx.session.pin.token;
  if (!token.isInUse(ctx.now())) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, "no pinUvAuthToken in use");
  if (!protocol.verify(token.token, input.clientDataHash, pinUvAuthParam)) {
    throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, "pinUvAuthParam does not verify");
  }
  if (!token.has(input.permission)) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken lacks the permission for ${input.purpose}`);
  if (token.rpId !== undefined && token.rpId !== input.rpId) {
    throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken is bound to ${token.rpId}`);
  }
  if (!token.userVerified) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, "the pinUvAuthToken was already used for a ceremony");
  token.rpId ??= input.rpId;
  token.markUsed();
  return { userVerified: true, userPresent: token.userPresent };
}

/** Whether the authenticator is "protected by some form of user verification" (a PIN is set or built-in UV is on). */
export async function isProtectedByUv(ctx: AuthenticatorContext): Promise<boolean> {
  if (ctx.presence.builtInUv) return true;
  return (await loadPinState(ctx)).pinHash !== undefined;
}
