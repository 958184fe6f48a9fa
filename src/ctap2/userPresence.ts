/**
 * Asking the user, with the statuses CTAP 2.1 gives each outcome: refused is
 * CTAP2_ERR_OPERATION_DENIED, no answer in time is CTAP2_ERR_USER_ACTION_TIMEOUT,
 * a host cancel (CTAPHID_CANCEL) is CTAP2_ERR_KEEPALIVE_CANCEL.
 */
import type { PresenceRequest } from "../presence/presence.js";
import type { CtapRequestContext } from "./transport.js";
import type { AuthenticatorContext } from "./context.js";
import { CtapError, Status } from "./status.js";

type Ask = Omit<PresenceRequest, "signal">;

export async function collectUserPresence(ctx: AuthenticatorContext, ask: Ask, request: CtapRequestContext): Promise<void> {
  const approved = await waitForUser(ctx, request, (signal) => ctx.presence.requestPresence({ ...ask, signal }));
  if (!approved) throw new CtapError(Status.CTAP2_ERR_OPERATION_DENIED, "the user refused");
}

/** Built-in user verification; resolves whether it succeeded. */
export async function performBuiltInUv(ctx: AuthenticatorContext, ask: Ask, request: CtapRequestContext): Promise<boolean> {
  const outcome = await waitForUser(ctx, request, (signal) => ctx.presence.verifyUser({ ...ask, signal }));
  return outcome === "verified";
}

async function waitForUser<T>(
  ctx: AuthenticatorContext,
  request: CtapRequestContext,
  ask: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  request.onKeepalive?.("upneeded");
  const timeout = AbortSignal.timeout(ctx.config.userActionTimeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  try {
    return await ask(signal);
  } catch (error) {
    if (request.signal?.aborted) throw new CtapError(Status.CTAP2_ERR_KEEPALIVE_CANCEL, "cancelled by the host");
    if (timeout.aborted) throw new CtapError(Status.CTAP2_ERR_USER_ACTION_TIMEOUT, "no answer from the user");
    ctx.log(`user presence failed: ${(error as Error).message}`);
    throw new CtapError(Status.CTAP2_ERR_OPERATION_DENIED, (error as Error).message);
  } finally {
    request.onKeepalive?.("processing");
  }
}
