/**
 * Asking the user, with the statuses CTAP 2.2 gives each outcome: refused is
 * CTAP2_ERR_OPERATION_DENIED, no answer in time is CTAP2_ERR_USER_ACTION_TIMEOUT,
 * a host cancel (CTAPHID_CANCEL) is CTAP2_ERR_KEEPALIVE_CANCEL. Built-in user
 * verification adds a fourth: a finger that does not match, which spends one
 * of the uvRetries (performBuiltInUv below).
 */
import type { PresenceRequest, SampleStatus } from "../presence/presence.js";
import type { CtapRequestContext } from "../ctap/transport.js";
import type { AuthenticatorContext } from "./context.js";
import { CtapError, Status } from "../ctap/status.js";
import { loadPinState, savePinState } from "./pin/pinState.js";
import { MAX_UV_RETRIES } from "./pin/pinRuntime.js";
import { enrolledFingers } from "./bio/templates.js";

type Ask = Omit<PresenceRequest, "signal">;

const NEVER_ABORTED = new AbortController().signal;

/** Resolves when the user confirmed presence; a policy with a fixed answer is taken at once, with no promise at all. */
export function collectUserPresence(ctx: AuthenticatorContext, ask: Ask, request: CtapRequestContext): Promise<void> | undefined {
  const decided = ctx.presence.decidedAnswer;
  if (decided !== undefined && !request.signal?.aborted) {
    if (decided) return undefined;
    throw new CtapError(Status.CTAP2_ERR_OPERATION_DENIED, "the user refused");
  }
  return askForPresence(ctx, ask, request);
}

async function askForPresence(ctx: AuthenticatorContext, ask: Ask, request: CtapRequestContext): Promise<void> {
  const approved = await waitForUser(ctx, request, (signal) => ctx.presence.requestPresence({ ...ask, signal }));
  if (!approved) throw new CtapError(Status.CTAP2_ERR_OPERATION_DENIED, "the user refused");
}

/** What built-in UV came to when the user did present a finger (or could not be asked). */
export type BuiltInUvResult = "verified" | "failed" | "blocked";

/**
 * performBuiltInUv (CTAP 2.2 section 6.5.3, counted as section 6.5.2.2 says):
 * with uvRetries at 0, or the PIN blocked ("both ClientPin and built-in user
 * verification are disabled"), it is "blocked" and the user is not asked. A
 * finger that does not match decrements uvRetries, durably; a match restores
 * them to the maximum. The user refusing (OPERATION_DENIED), not answering
 * (USER_ACTION_TIMEOUT) or the host cancelling throws, and spends nothing.
 * One call is one attempt: softkey makes no internal retries.
 */
export async function performBuiltInUv(ctx: AuthenticatorContext, ask: Ask, request: CtapRequestContext): Promise<BuiltInUvResult> {
  const before = await loadPinState(ctx);
  if (before.uvRetries <= 0 || before.pinRetries <= 0) return "blocked";
  const fingers = await enrolledFingers(ctx);
  const outcome = await waitForUser(ctx, request, (signal) => ctx.presence.verifyUser({ ...ask, ...(fingers ? { enrolledFingers: fingers } : {}), signal }));
  if (outcome === "refused") throw new CtapError(Status.CTAP2_ERR_OPERATION_DENIED, "the user refused built-in user verification");
  // Read again: the state may have changed while the user was asked.
  const state = await loadPinState(ctx);
  if (outcome === "failed") {
    await savePinState(ctx, { ...state, uvRetries: Math.max(0, state.uvRetries - 1) });
    return "failed";
  }
  if (state.uvRetries !== MAX_UV_RETRIES) await savePinState(ctx, { ...state, uvRetries: MAX_UV_RETRIES });
  // getInfo uvCountSinceLastPinEntry (CTAP 2.2), in RAM (pin/pinRuntime.ts).
  ctx.session.pin.uvCountSinceLastPinEntry++;
  return "verified";
}

/**
 * One enrollment sample (authenticatorBioEnrollment enrollBegin / enrollCaptureNextSample): what the sensor made of
 * the finger, waited for at most `timeoutMs` (the request's timeoutMilliseconds, else the user-action timeout), then
 * CTAP2_ERR_USER_ACTION_TIMEOUT. A host cancel is KEEPALIVE_CANCEL.
 */
export async function captureEnrollmentSample(ctx: AuthenticatorContext, request: CtapRequestContext, timeoutMs?: number): Promise<SampleStatus> {
  const capture = ctx.presence.captureSample;
  if (!capture) return "fp-good";
  return waitForUser(ctx, request, (signal) => capture.call(ctx.presence, { purpose: "bioEnrollment", signal }), timeoutMs);
}

async function waitForUser<T>(
  ctx: AuthenticatorContext,
  request: CtapRequestContext,
  ask: (signal: AbortSignal) => Promise<T>,
  timeoutMs = ctx.config.userActionTimeoutMs,
): Promise<T> {
  if (ctx.presence.answersImmediately && !request.signal?.aborted) {
    try {
      return await ask(request.signal ?? NEVER_ABORTED);
    } catch (error) {
      ctx.log(`user presence failed: ${(error as Error).message}`);
      throw new CtapError(Status.CTAP2_ERR_OPERATION_DENIED, (error as Error).message);
    }
  }
  request.onKeepalive?.("upneeded");
  // One controller for both ends of the wait (host cancel, user timeout): cheaper than AbortSignal.any on every ceremony.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("user action timeout"));
  }, timeoutMs);
  const onCancel = () => controller.abort(request.signal?.reason);
  request.signal?.addEventListener("abort", onCancel, { once: true });
  try {
    if (request.signal?.aborted) onCancel();
    return await ask(controller.signal);
  } catch (error) {
    if (request.signal?.aborted) throw new CtapError(Status.CTAP2_ERR_KEEPALIVE_CANCEL, "cancelled by the host");
    if (timedOut) throw new CtapError(Status.CTAP2_ERR_USER_ACTION_TIMEOUT, "no answer from the user");
    ctx.log(`user presence failed: ${(error as Error).message}`);
    throw new CtapError(Status.CTAP2_ERR_OPERATION_DENIED, (error as Error).message);
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", onCancel);
    request.onKeepalive?.("processing");
  }
}
