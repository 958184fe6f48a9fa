/**
 * Signature counters that need no coordination between generators (WebAuthn
 * L3 section 6.1.1 lets an authenticator report 0, or any value that
 * increases):
 *
 * - zero: always 0, as synced passkeys report. An RP that checks counters
 *   accepts 0 after 0 (the spec's "no counter" case), so nothing is flagged.
 * - clock: tenths of a second since 2024-01-01T00:00:00Z, the same on every
 *   machine whose clock is right, so a user's counter increases from one
 *   sign-in to the next whichever generator answers. Two sign-ins of one user
 *   within the same tenth of a second (or across generators whose clocks
 *   differ by more than the time between them) report a counter that did not
 *   increase, which an RP that checks counters rejects as a possible clone:
 *   draw users from a population much larger than the sign-ins per tick. The
 *   value fits the 32-bit counter until 2037 and then stays at its maximum.
 */
export const COUNTER_MODES = ["zero", "clock"] as const;
export type PopulationCounterMode = (typeof COUNTER_MODES)[number];

export const CLOCK_EPOCH_MS = Date.UTC(2024, 0, 1);
export const CLOCK_TICK_MS = 100;
const MAX_COUNTER = 0xffffffff;

export function populationSignCount(mode: PopulationCounterMode, nowMs: number): number {
  if (mode === "zero") return 0;
  const ticks = Math.floor((nowMs - CLOCK_EPOCH_MS) / CLOCK_TICK_MS);
  return Math.min(Math.max(ticks, 0), MAX_COUNTER);
}
