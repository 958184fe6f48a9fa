/**
 * The pinUvAuthToken and its state (CTAP 2.1 section 6.5.2): permissions, the
 * permissions RP ID, the usage timers, and the user present / verified flags.
 * One token serves both PIN/UV auth protocols; a power cycle forgets it.
 */
import { randomBytes } from "node:crypto";
import { Permission } from "../../ctap/permissions.js";

/** Unused tokens expire after the initial usage time limit; any token after the maximum usage period. */
const INITIAL_USAGE_TIME_LIMIT_MS = 30_000;
const MAX_USAGE_TIME_PERIOD_MS = 600_000;

export class PinUvAuthTokenState {
  token = new Uint8Array(randomBytes(32));
  permissions = 0;
  rpId: string | undefined;
  userPresent = false;
  userVerified = false;
  private inUse = false;
  private used = false;
  private issuedAt = 0;

  /** resetPinUvAuthToken(): a new random token; the old one stops working. */
  reset(): void {
    this.token = new Uint8Array(randomBytes(32));
    this.stopUsing();
  }

  beginUsing(now: number, permissions: number, rpId: string | undefined, userPresent: boolean): void {
    this.inUse = true;
    this.used = false;
    this.issuedAt = now;
    this.permissions = permissions;
    this.rpId = rpId;
    this.userPresent = userPresent;
    this.userVerified = true;
  }

  stopUsing(): void {
    this.inUse = false;
    this.permissions = 0;
    this.rpId = undefined;
    this.userPresent = false;
    this.userVerified = false;
  }

  /** Whether the token is in use, observing its timers first (it may expire here). */
  isInUse(now: number): boolean {
    if (!this.inUse) return false;
    const age = now - this.issuedAt;
    if (age > MAX_USAGE_TIME_PERIOD_MS || (!this.used && age > INITIAL_USAGE_TIME_LIMIT_MS)) this.stopUsing();
    return this.inUse;
  }

  markUsed(): void {
    this.used = true;
  }

  has(permission: number): boolean {
    return (this.permissions & permission) !== 0;
  }

  /** After a ceremony that used the token (CTAP 2.1 makeCredential step 14, getAssertion step 9). */
  clearAfterUse(): void {
    this.userPresent = false;
    this.userVerified = false;
    this.permissions &= Permission.lbw;
  }
}
