/**
 * User verification in makeCredential and getAssertion (CTAP 2.2 sections
 * 6.1.2 and 6.2.2): a pinUvAuthParam made with a pinUvAuthToken (steps 1-2 and
 * 11.1 / 6.1), or built-in user verification asked for with the "uv" option
 * (step 11.2 / 6.2), as a CTAP 2.0 platform or an alwaysUv key asks for it.
 */
import type { AuthenticatorContext } from "../context.js";
import type { CtapRequestContext } from "../../ctap/transport.js";
import type { PresenceRequest } from "../../presence/presence.js";
import { CtapError, Status } from "../../ctap/status.js";
import { collectUserPresence, performBuiltInUv } from "../userPresence.js";
import { loadPinState } from "../pin/pinState.js";
import { selectProtocol } from "./clientPin.js";
import { checkTokenParam } from "./commandToken.js";
import { builtInUvConfigured } from "../bio/templates.js";

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
  const token = checkTokenParam(ctx, protocol, input.clientDataHash, pinUvAuthParam, input.permission, input.purpose);
  if (token.rpId !== undefined && token.rpId !== input.rpId) {
    throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken is bound to ${token.rpId}`);
  }
  if (!token.userVerified) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, "the pinUvAuthToken was already used for a ceremony");
  token.rpId ??= input.rpId;
  return { userVerified: true, userPresent: token.userPresent };
}

/**
 * The "uv" option's built-in user verification (makeCredential step 11.2,
 * getAssertion step 6.2): resolves when the user was verified. A user who
 * refuses is CTAP2_ERR_OPERATION_DENIED, one who never answers
 * CTAP2_ERR_USER_ACTION_TIMEOUT (userPresence.ts), and neither costs a retry.
 * A finger that does not match, or a blocked sensor: with a PIN set,
 * CTAP2_ERR_PUAT_REQUIRED, so the platform falls back to the PIN; without one,
 * CTAP2_ERR_PIN_BLOCKED once uvRetries is 0 (the spec's status for it), else
 * CTAP2_ERR_OPERATION_DENIED.
 */
export async function verifyWithBuiltInUv(ctx: AuthenticatorContext, ask: Omit<PresenceRequest, "signal">, request: CtapRequestContext): Promise<void> {
  const outcome = await performBuiltInUv(ctx, ask, request);
  if (outcome === "verified") return;
  const { pinHash, uvRetries } = await loadPinState(ctx);
  const why = outcome === "blocked" ? "built-in user verification is blocked" : `built-in user verification failed (${uvRetries} retries left)`;
  if (pinHash) throw new CtapError(Status.CTAP2_ERR_PUAT_REQUIRED, `${why}: the platform must use the PIN`);
  if (uvRetries === 0) throw new CtapError(Status.CTAP2_ERR_PIN_BLOCKED, why);
  throw new CtapError(Status.CTAP2_ERR_OPERATION_DENIED, why);
}

/** Whether the authenticator is "protected by some form of user verification" (a PIN is set or built-in UV is on). */
export async function isProtectedByUv(ctx: AuthenticatorContext): Promise<boolean> {
  if (await builtInUvConfigured(ctx)) return true;
  return (await loadPinState(ctx)).pinHash !== undefined;
}
