/**
 * The signature counter a response carries, by the device's counter mode
 * (WebAuthn L3 section 6.1.1):
 *
 * - per-credential: each credential counts its own signatures (the keystore's
 *   crash-safe reservations); a new credential starts at 0;
 * - global: one counter for the whole device, shared by all its credentials,
 *   as many U2F keys have; registrations count too; never goes backwards;
 * - zero: always 0, as synced passkeys report (an RP must then not expect an increase).
 */
import type { AuthenticatorContext } from "./context.js";

/** The counter for an assertion. Returns the store's promise as it is: nothing is added to the hot path. */
export function nextSignCount(ctx: AuthenticatorContext, credentialId: Uint8Array): Promise<number> | number {
  switch (ctx.config.counter) {
    case "zero":
      return 0;
    case "global":
      return ctx.store.nextDeviceCount("global");
    default:
      return ctx.store.nextSignCount(credentialId);
  }
}

/** The counter in a new credential's authenticator data. */
export function initialSignCount(ctx: AuthenticatorContext): Promise<number> | number {
  return ctx.config.counter === "global" ? ctx.store.nextDeviceCount("global") : 0;
}
