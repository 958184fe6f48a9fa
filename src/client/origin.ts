/**
 * Which origins may run a WebAuthn ceremony, and which RP IDs each may claim
 * (WebAuthn L3 section 5.1.3 step "effectiveDomain", section 5.1.4, and the
 * HTML algorithm "is a registrable domain suffix of or is equal to").
 *
 * The rules follow Chromium's `OriginAllowedToMakeWebAuthnRequests` and
 * `OriginIsAllowedToClaimRelyingPartyId`, so a test that passes here passes in
 * Chrome:
 *  - the origin must be http(s) and a secure context: https, or http whose
 *    host is `localhost`, `*.localhost` (W3C Secure Contexts treats these as
 *    potentially trustworthy) or a loopback address;
 *  - its host must be a domain: WebAuthn requires the effective domain to be
 *    a valid domain, and Chrome rejects IP-address origins, even 127.0.0.1.
 *    `allowIpAddressOrigins` relaxes this for test rigs; the RP ID must then
 *    be exactly that address;
 *  - the RP ID must equal the origin's host, or be a parent domain of it
 *    (label-wise suffix) that is not itself a public suffix. The Public
 *    Suffix List is applied with its private section (github.io, appspot.com,
 *    ...) and unknown TLDs count as public suffixes, like Chrome's
 *    INCLUDE_PRIVATE_REGISTRIES + INCLUDE_UNKNOWN_REGISTRIES. So
 *    `app.localhost` cannot claim `localhost`, but `localhost` can claim itself.
 */
import { isIP } from "node:net";
import { getDomain, getPublicSuffix } from "tldts";
import { WebAuthnError } from "./errors.js";
import { PageMessage } from "./pageMessages.js";

export interface OriginPolicy {
  /**
   * Accept origins whose host is an IP address (e.g. http://127.0.0.1:3000).
   * Browsers refuse these; enable only when the RP under test insists on one.
   */
  allowIpAddressOrigins?: boolean;
}

export interface CallerOrigin {
  /** ASCII serialization `scheme://host[:port]`, as it goes into clientDataJSON. */
  readonly origin: string;
  readonly scheme: "https" | "http";
  /** The host (effective domain): lowercase, punycode; IPv6 in brackets. */
  readonly host: string;
  readonly isIpAddress: boolean;
}

const PSL = { allowPrivateDomains: true, extractHostname: false } as const;

/** The call's origin and, for a caller in an iframe, the top-level origin, each parsed and vetted. */
export function parseCallOrigins(
  call: { origin: unknown; topOrigin?: unknown },
  policy: OriginPolicy = {},
): { caller: CallerOrigin; top: CallerOrigin | undefined } {
  const caller = parseCallerOrigin(call.origin, policy);
  const top = call.topOrigin === undefined ? undefined : parseCallerOrigin(call.topOrigin, policy, "topOrigin");
  return { caller, top };
}

/** Parse and vet the caller's origin. */
export function parseCallerOrigin(value: unknown, policy: OriginPolicy = {}, label = "origin"): CallerOrigin {
  if (typeof value !== "string" || value === "") {
    throw new WebAuthnError("TypeError", `${label} must be a non-empty string such as "https://example.com"`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new WebAuthnError("TypeError", `${label} "${value}" is not a valid URL`, { cause });
  }
  if (url.origin === "null") {
    // WebAuthn L3 5.1.3: an opaque origin gets NotAllowedError.
    throw new WebAuthnError("NotAllowedError", `${label} "${value}" is an opaque origin`, { pageMessage: PageMessage.opaqueDomain });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new WebAuthnError("SecurityError", `${label} "${value}": WebAuthn needs an https (or http://localhost) origin`, {
      pageMessage: PageMessage.invalidProtocol,
    });
  }
  if (url.username || url.password || url.pathname !== "/" || url.search || url.hash) {
    throw new WebAuthnError(
      "TypeError",
      `${label} "${value}" must be an origin (scheme://host[:port]) without credentials, path, query or fragment; ` +
        `did you mean "${url.origin}"?`,
    );
  }
  const host = url.hostname;
  const isIpAddress = isIP(unbracket(host)) !== 0;
  const scheme = url.protocol === "https:" ? "https" : "http";
  if (scheme === "http" && !isPotentiallyTrustworthyHost(host)) {
    throw new WebAuthnError(
      "SecurityError",
      `${label} "${url.origin}" is not a secure context: use https, or http only on localhost / *.localhost`,
      { pageMessage: PageMessage.invalidProtocol },
    );
  }
  if (isIpAddress && !policy.allowIpAddressOrigins) {
    throw new WebAuthnError(
      "SecurityError",
      `${label} "${url.origin}" has an IP-address host; WebAuthn requires a domain (browsers refuse IP origins). ` +
        `Use http://localhost, or set allowIpAddressOrigins for a test rig that needs it`,
      { pageMessage: PageMessage.invalidDomain },
    );
  }
  return { origin: url.origin, scheme, host, isIpAddress };
}

/**
 * http hosts that W3C Secure Contexts deems potentially trustworthy:
 * localhost names (RFC 6761 section 6.3) and loopback addresses.
 */
export function isPotentiallyTrustworthyHost(host: string): boolean {
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const ip = unbracket(host);
  if (isIP(ip) === 4) return ip.startsWith("127.");
  if (isIP(ip) === 6) return ip === "::1";
  return false;
}

/** The RP ID for a ceremony: `requested` if the origin may claim it, else the origin's host when absent. */
export function resolveRpId(requested: string | undefined, caller: CallerOrigin): string {
  if (requested === undefined) return caller.host;
  assertRpIdAllowed(requested, caller);
  return requested;
}

/** Throws SecurityError unless `caller` may claim `rpId`. */
export function assertRpIdAllowed(rpId: string, caller: CallerOrigin): void {
  const problem = rpIdClaimProblem(rpId, caller);
  if (problem) throw new WebAuthnError("SecurityError", problem.message);
}

/**
 * Why `caller` may not claim `rpId` by the registrable-suffix rule, or
 * undefined when it may. `relatedOriginsMayAllow` marks the failures that
 * related origin requests (WebAuthn L3 section 5.11) can still overturn: the
 * RP ID is a domain name, just not one this origin's host falls under.
 */
export function rpIdClaimProblem(rpId: string, caller: CallerOrigin): { message: string; relatedOriginsMayAllow: boolean } | undefined {
  const claim = `RP ID "${rpId}" is not allowed for origin "${caller.origin}"`;
  const refuse = (why: string, relatedOriginsMayAllow = false) => ({ message: `${claim}: ${why}`, relatedOriginsMayAllow });
  if (rpId === "") return refuse("it is empty");
  const canonical = canonicalHost(rpId);
  if (canonical !== rpId) {
    // The RP ID is hashed byte for byte into authenticator data, so a
    // non-canonical spelling would never match what the RP verifies.
    const hint = canonical && !rpId.includes("://") ? `; did you mean "${canonical}"?` : "";
    return refuse(`it must be a bare lowercase domain (punycode for IDNs), without scheme, port or path${hint}`);
  }
  if (rpId === caller.host) return undefined;
  if (caller.isIpAddress || isIP(unbracket(rpId)) !== 0) return refuse("an IP address can only be claimed by itself");
  if (!caller.host.endsWith(`.${rpId}`)) {
    return refuse(
      `it must equal the origin's host "${caller.host}" or be a parent domain of it ` +
        `(a look-alike or a name that merely contains it does not count)`,
      true,
    );
  }
  const originSuffix = getPublicSuffix(caller.host, PSL);
  if (getDomain(rpId, PSL) === null || originSuffix === rpId || originSuffix?.endsWith(`.${rpId}`)) {
    return refuse(
      `"${rpId}" is a public suffix (Public Suffix List, private registries such as github.io included), which no site may claim`,
      true,
    );
  }
  return undefined;
}

function canonicalHost(value: string): string | undefined {
  try {
    return new URL(`https://${value}/`).hostname;
  } catch {
    return undefined;
  }
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
