/**
 * What a new PIN must be (CTAP 2.2 section 6.5.5.5 step 6 and 6.5.5.6 step 8:
 * CTAP2_ERR_PIN_POLICY_VIOLATION otherwise): at least minPINLength and at most
 * maxPINLength code points (getInfo 0x0D and 0x1D), and, once the PIN
 * complexity policy is on (getInfo pinComplexityPolicy, CTAP 2.2), not a PIN
 * anyone would guess first. The spec leaves that policy to the vendor and
 * points to pinComplexityPolicyURL for its text; softkey's, in README, refuses
 * one character repeated, a run of consecutive characters up or down
 * ("123456", "4321", "abcd") and a few of the commonest PINs.
 */
import type { AuthenticatorContext } from "../context.js";
import { CtapError, Status } from "../../ctap/status.js";
import type { StoredPinState } from "./pinRuntime.js";

/** newPinEnc decrypts to 64 bytes with at least one zero byte after the PIN: 63 bytes at most. */
export const LONGEST_PIN_BYTES = 63;

const COMMON_PINS = new Set(["123123", "121212", "112233", "123321", "0852", "2580", "147258", "159753", "password", "qwerty"]);

/** Whether the PIN complexity policy is on: turned on by authenticatorConfig, or on from the start by the profile. */
export function pinComplexityPolicyOn(ctx: AuthenticatorContext, state: StoredPinState): boolean {
  const policy = ctx.config.pinComplexityPolicy;
  return policy !== undefined && (policy.enabled || state.pinComplexityPolicy === true);
}

/** Throws PIN_POLICY_VIOLATION, saying which rule, for a PIN the device may not accept. */
export function checkNewPin(ctx: AuthenticatorContext, pin: Uint8Array, state: StoredPinState): void {
  if (pin.length > LONGEST_PIN_BYTES) throw violation(`the PIN is longer than ${LONGEST_PIN_BYTES} bytes`);
  const text = Buffer.from(pin).toString("utf8");
  const codePoints = [...text];
  if (codePoints.length < state.minPinLength) throw violation(`the PIN is shorter than minPINLength ${state.minPinLength}`);
  if (codePoints.length > ctx.config.maxPinLength) throw violation(`the PIN is longer than maxPINLength ${ctx.config.maxPinLength}`);
  if (pinComplexityPolicyOn(ctx, state)) {
    const problem = complexityProblem(codePoints);
    if (problem) throw violation(`the PIN complexity policy refuses it: ${problem}`);
  }
}

/** Why the complexity policy refuses a PIN, or undefined when it accepts it. */
export function complexityProblem(codePoints: string[]): string | undefined {
  if (new Set(codePoints).size === 1) return "one character repeated";
  const steps = codePoints.slice(1).map((c, i) => c.codePointAt(0)! - codePoints[i]!.codePointAt(0)!);
  if (steps.every((step) => step === 1) || steps.every((step) => step === -1)) return "a run of consecutive characters";
  if (COMMON_PINS.has(codePoints.join("").toLowerCase())) return "one of the commonest PINs";
  return undefined;
}

/** A PIN's length as minPINLength counts it: Unicode code points of its UTF-8. */
export function codePointLength(pin: Uint8Array): number {
  return [...Buffer.from(pin).toString("utf8")].length;
}

function violation(message: string): CtapError {
  return new CtapError(Status.CTAP2_ERR_PIN_POLICY_VIOLATION, message);
}
