/**
 * authenticatorSelection (0x0B), CTAP 2.1 section 6.9: the platform asks the
 * user to touch the key they mean to use.
 */
import type { AuthenticatorContext } from "../context.js";
import type { CtapRequestContext } from "../../ctap/transport.js";
import { collectUserPresence } from "../userPresence.js";

export async function selection(_params: unknown, ctx: AuthenticatorContext, request: CtapRequestContext): Promise<undefined> {
  await collectUserPresence(ctx, { purpose: "selection" }, request);
  return undefined;
}
