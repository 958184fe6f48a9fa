/**
 * authenticatorReset (0x07), CTAP 2.1 section 6.6: only within the first
 * moments after power-up, only with the user's touch, and then every
 * credential is gone.
 */
import type { AuthenticatorContext } from "../context.js";
import type { CtapRequestContext } from "../../ctap/transport.js";
import { CtapError, Status } from "../../ctap/status.js";
import { collectUserPresence } from "../userPresence.js";
import { SETTINGS_KEPT_ON_RESET } from "../settings.js";

export async function reset(_params: unknown, ctx: AuthenticatorContext, request: CtapRequestContext): Promise<undefined> {
  // getInfo transportsForReset (CTAP 2.2): a transport not listed cannot reset. A request that names none came over the device's first transport.
  const transport = request.transport ?? ctx.config.transports[0];
  const allowed = ctx.config.transportsForReset;
  if (allowed && (transport === undefined || !allowed.includes(transport))) {
    throw new CtapError(Status.CTAP2_ERR_NOT_ALLOWED, `reset is only allowed over ${allowed.join(", ")}, not ${transport ?? "this transport"}`);
  }
  if (ctx.now() - ctx.session.poweredUpAt > ctx.config.resetWindowMs) {
    throw new CtapError(Status.CTAP2_ERR_NOT_ALLOWED, `reset is only allowed within ${ctx.config.resetWindowMs / 1000} s of power-up`);
  }
  // getInfo longTouchForReset (CTAP 2.2): the user is asked to hold the touch (some seconds) rather than tap.
  await collectUserPresence(ctx, { purpose: "reset", ...(ctx.config.longTouchForReset ? { longTouch: true } : {}) }, request);
  await ctx.store.resetAuthenticator({ keep: SETTINGS_KEPT_ON_RESET });
  ctx.session.clear();
  ctx.log("reset: every credential deleted");
  return undefined;
}
