/**
 * The pinUvAuthToken and its state (CTAP 2.1 section 6.5.2): permissions, the
 * permissions RP ID, the usage timers, and the user present / verified flags.
 * Each PIN/UV auth protocol has its own token value, as resetPinUvAuthToken()
 * is defined per protocol (section 6.5.5.7 resets them all) and as OpenSK
 * keeps them: a token handed out under protocol one authenticates only under
 * protocol one. The state is shared; a power cycle forgets it all.
 */
import { randomBytes } from "node:crypto";
import { Permission } from "../../ctap/permissions.js";
import type { PinUvAuthProtocol } from "../../ctap/pinUvAuthProtocol.js";

/** Unused tokens expire after the initial usage time limit; any token after the maximum usage period. */
const INITIAL_USAGE_TIME_LIMIT_MS = 30_000;
const MAX_USAGE_TIME_PERIOD_MS = 600_000;

const newTokenValue = () => new Uint8Array(randomBytes(32));

export class PinUvAuthTokenState {
  /** The token value of each protocol version. */
  private readonly values = new Map<number, Uint8Array>();
  permissions = 0;
  rpId: string | undefined;
  userPresent = false;
  userVerified = false;
  private inUse = false;
  private used = false;
  private issuedAt = 0;

  constructor(private readonly versions: readonly number[]) {
    for (const version of versions) this.values.set(version, newTokenValue());
  }

  /** resetPinUvAuthToken() for every protocol: new random tokens; the old ones stop working. */
  reset(): void {
    for (const version of this.versions) this.values.set(version, newTokenValue());
    this.stopUsing();
  }

  /** The token value of one protocol, the one handed out (encrypted) under that protocol. */
  valueFor(protocol: PinUvAuthProtocol): Uint8Array {
    return this.values.get(protocol.version)!;
  }

  /** verify(pinUvAuthToken, message, pinUvAuthParam) with the token of the protocol the platform named. */
  authenticates(protocol: PinUvAuthProtocol, message: Uint8Array, pinUvAuthParam: Uint8Array): boolean {
    return protocol.verify(this.valueFor(protocol), message, pinUvAuthParam);
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
