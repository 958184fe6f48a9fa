/**
 * ClientPIN state. What must survive a restart (the PIN's hash, the retry
 * counters, the minimum length) lives sealed in the store; what a power cycle
 * clears (the key agreement keys, the token, the run of mismatches that ends
 * in PIN_AUTH_BLOCKED) lives in memory.
 */
import { PinUvAuthProtocolOne, PinUvAuthProtocolTwo, type PinUvAuthProtocol } from "../../ctap/pinUvAuthProtocol.js";
import { PinUvAuthTokenState } from "./pinUvAuthToken.js";

export const MAX_PIN_RETRIES = 8;
export const MAX_UV_RETRIES = 8;
export const DEFAULT_MIN_PIN_LENGTH = 4;
/** Wrong PINs in a row before the authenticator needs a power cycle (PIN_AUTH_BLOCKED). */
export const MISMATCHES_BEFORE_POWER_CYCLE = 3;

export interface StoredPinState {
  /** LEFT(SHA-256(PIN), 16): the PIN itself is never kept. */
  pinHash?: Uint8Array;
  /** The PIN's length in Unicode code points, for setMinPINLength's forcePINChange (authenticatorConfig). */
  pinCodePoints?: number;
  pinRetries: number;
  uvRetries: number;
  minPinLength: number;
  minPinLengthRpIds: string[];
  forcePinChange: boolean;
  alwaysUv: boolean;
  /** The PIN complexity policy was turned on by setMinPINLength (CTAP 2.3); a profile may have it on from the start. */
  pinComplexityPolicy?: boolean;
}

export function initialPinState(): StoredPinState {
  return {
    pinRetries: MAX_PIN_RETRIES,
    uvRetries: MAX_UV_RETRIES,
    minPinLength: DEFAULT_MIN_PIN_LENGTH,
    minPinLengthRpIds: [],
    forcePinChange: false,
    alwaysUv: false,
  };
}

/** The volatile half, created at power-up. */
export class PinRuntime {
  readonly protocols = new Map<number, PinUvAuthProtocol>([
    [1, new PinUvAuthProtocolOne()],
    [2, new PinUvAuthProtocolTwo()],
  ]);
  readonly token = new PinUvAuthTokenState([...this.protocols.keys()]);
  consecutiveMismatches = 0;
  /**
   * getInfo uvCountSinceLastPinEntry (CTAP 2.2): built-in verifications since the PIN was last entered correctly,
   * or since power-up. Volatile, like the run of mismatches: a store write per verified ceremony would cost a
   * third of the throughput of a UV sign-in, and the spec text at hand does not ask for it to outlive a power cycle.
   */
  uvCountSinceLastPinEntry = 0;
  /** The stored state as last read or written; see loadPinState. */
  stored: StoredPinState | undefined;

  /** Protocols in the authenticator's order of preference, for getInfo. */
  get versions(): number[] {
    return [2, 1];
  }
}
