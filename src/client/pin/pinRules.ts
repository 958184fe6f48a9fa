/**
 * What a PIN must look like before the platform sends it (CTAP 2.1 section
 * 6.5.1, "PIN Composition Requirements"): at least minPINLength Unicode code
 * points, at most 63 bytes of UTF-8, sent as the UTF-8 bytes padded with
 * zeros to 64. A PIN that cannot be right is refused here, before it costs a
 * retry on the authenticator, as Chrome's PIN dialog does.
 */
import { createHash } from "node:crypto";

export const MAX_PIN_BYTES = 63;
const PADDED_PIN_LENGTH = 64;

/** Why `pin` cannot be used, or undefined when it can. */
export function pinProblem(pin: string, minLength: number): string | undefined {
  const codePoints = [...pin].length;
  const bytes = Buffer.byteLength(pin, "utf8");
  if (codePoints < minLength) return `the PIN must be at least ${minLength} characters long (got ${codePoints})`;
  if (bytes > MAX_PIN_BYTES) return `the PIN must be at most ${MAX_PIN_BYTES} bytes of UTF-8 (got ${bytes})`;
  // The authenticator reads the padded PIN up to its first zero byte.
  if (pin.includes("\0")) return "the PIN must not contain NUL characters";
  // With the u flag, paired surrogates are one code point; \p{Cs} then matches only lone ones.
  if (/\p{Cs}/u.test(pin)) return "the PIN is not well-formed Unicode (lone surrogate)";
  return undefined;
}

/** newPinEnc's plaintext: the PIN's UTF-8, zero-padded to 64 bytes. */
export function paddedPin(pin: string): Uint8Array {
  const padded = new Uint8Array(PADDED_PIN_LENGTH);
  padded.set(new TextEncoder().encode(pin));
  return padded;
}

/** pinHashEnc's plaintext: LEFT(SHA-256(PIN), 16). */
export function pinHash(pin: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(pin, "utf8").digest().subarray(0, 16));
}

/**
 * The minimum length that applies to the PIN in use now: with forcePINChange
 * set, the current PIN may predate a raised minPINLength, so only CTAP's
 * floor of 4 applies to it (Chrome's CurrentMinPINLength).
 */
export function currentPinMinLength(info: { forcePinChange: boolean; minPinLength: number }): number {
  return info.forcePinChange ? 4 : info.minPinLength;
}
