/**
 * The lifetime of one ceremony: the RP's timeout and the caller's
 * AbortSignal both end it, and both cancel the pending CTAP request through
 * the signal handed to the transport (which a CTAPHID host turns into
 * CTAPHID_CANCEL). Whatever the authenticator answers after that is moot.
 */
import type { CeremonyCallOptions } from "./context.js";
import { CtapStatusError, type CallOptions } from "./ctap/command.js";
import { errorFromCtapStatus, WebAuthnError } from "./errors.js";

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CeremonyLimits {
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function runCeremony<T>(limits: CeremonyLimits, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal: callerSignal, timeoutMs } = limits;
  if (callerSignal?.aborted) throw abortError(callerSignal.reason);
  const controller = new AbortController();
  // WebAuthn L3 5.1.3: when the timer expires, the ceremony fails with NotAllowedError.
  // Node fires a timer beyond 2^31-1 ms at once, so a larger timeout is clamped to that (about 24 days).
  const timer = setTimeout(
    () => controller.abort(new WebAuthnError("NotAllowedError", `the ceremony timed out after ${timeoutMs} ms`)),
    Math.min(timeoutMs, MAX_TIMER_MS),
  );
  const onAbort = (): void => controller.abort(abortError(callerSignal?.reason));
  callerSignal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await body(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw asWebAuthnError(error);
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", onAbort);
  }
}

/**
 * runCeremony for a create() or get() call: its timeout and the caller's
 * signal, and the options every CTAP request of the ceremony carries (the
 * ceremony's signal, the caller's keepalive listener).
 */
export function runCallCeremony<T>(
  timeoutMs: number,
  call: CeremonyCallOptions,
  body: (ctap: CallOptions) => Promise<T>,
): Promise<T> {
  return runCeremony({ timeoutMs, ...(call.signal ? { signal: call.signal } : {}) }, (signal) =>
    body({ signal, ...(call.onKeepalive ? { onKeepalive: call.onKeepalive } : {}) }),
  );
}

export function asWebAuthnError(error: unknown): WebAuthnError {
  if (error instanceof WebAuthnError) return error;
  if (error instanceof CtapStatusError) return errorFromCtapStatus(error.status, error.command);
  // A transport that fails outright (socket closed, device gone): the browser says NotAllowedError.
  const detail = error instanceof Error ? error.message : String(error);
  return new WebAuthnError("NotAllowedError", `the authenticator transport failed: ${detail}`, { cause: error });
}

function abortError(reason: unknown): WebAuthnError {
  return new WebAuthnError("AbortError", "the ceremony was aborted by its AbortSignal", { cause: reason });
}
