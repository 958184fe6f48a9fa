/**
 * Which attached authenticator a ceremony runs on. A browser offers every
 * authenticator at once and the user picks one; softkey picks as that user
 * would, following the RP's hints (WebAuthn L3 section 5.8.8, in order of
 * preference: "security-key" a roaming key, "client-device" the platform
 * authenticator, "hybrid" a phone, i.e. a roaming authenticator reached over
 * the hybrid transport), and otherwise the order the authenticators were
 * attached in. Hints only order the authenticators that may serve the
 * ceremony: an authenticatorAttachment still rules the others out, as
 * section 5.1.3 skips them.
 */
import type { ClientContext } from "./context.js";
import type { CallOptions } from "./ctap/command.js";
import type { Hint } from "./optionsJSON.js";
import { detectProtocol, type DeviceProtocol } from "./protocol.js";

/** `candidates` with those the hints prefer first (the first hint first), the rest after, each group in attach order. */
export function orderByHints(candidates: readonly ClientContext[], hints: readonly Hint[]): ClientContext[] {
  const ordered: ClientContext[] = [];
  for (const hint of hints) {
    for (const candidate of candidates) if (!ordered.includes(candidate) && matchesHint(candidate, hint)) ordered.push(candidate);
  }
  for (const candidate of candidates) if (!ordered.includes(candidate)) ordered.push(candidate);
  return ordered;
}

export function matchesHint(authenticator: ClientContext, hint: Hint): boolean {
  const { attachment, transports = [] } = authenticator.settings;
  switch (hint) {
    case "client-device":
      return attachment === "platform";
    case "hybrid":
      return attachment === "cross-platform" && transports.includes("hybrid");
    case "security-key":
      return attachment === "cross-platform" && !transports.includes("hybrid");
  }
}

/** An authenticator picked for a ceremony, with the protocol it speaks. */
export interface ChosenAuthenticator {
  device: ClientContext;
  protocol: DeviceProtocol;
}

/**
 * The first of `ordered` that `fits` the ceremony, as the user of several
 * keys would touch the one that can serve it; when none fits, the first
 * that answers at all (it then refuses with its own reason).
 */
export async function chooseAuthenticator(
  ordered: readonly ClientContext[],
  fits: (chosen: ChosenAuthenticator) => Promise<boolean> | boolean,
  call: CallOptions,
): Promise<ChosenAuthenticator> {
  const only = ordered.length === 1 ? ordered[0] : undefined;
  if (only) return { device: only, protocol: await detectProtocol(only, call) };
  let first: ChosenAuthenticator | undefined;
  for (const device of ordered) {
    let chosen: ChosenAuthenticator;
    try {
      chosen = { device, protocol: await detectProtocol(device, call) };
      first ??= chosen;
      if (await fits(chosen)) return chosen;
    } catch (error) {
      if (call.signal?.aborted) throw error;
    }
  }
  if (first) return first;
  return { device: ordered[0]!, protocol: await detectProtocol(ordered[0]!, call) };
}
