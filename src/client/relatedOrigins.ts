/**
 * Related origin requests (WebAuthn L3 section 5.11): an origin that may not
 * claim an RP ID by the registrable-suffix rule may still use it when
 * `https://RPID/.well-known/webauthn` lists the origin. The fetch and the
 * checks follow Chrome's RemoteValidation (content/browser/webauth/
 * remote_validation.cc): no credentials and no referrer, https only (every
 * redirect too), 10 seconds, at most 256 KiB, content type application/json,
 * then the "related origins validation procedure" (section 5.11.1) with five
 * registrable origin labels. Each way of failing keeps its own reason and
 * Chrome's page message for it.
 *
 * The fetch goes through a `WellKnownFetcher`, `fetch` by default, so a test
 * can serve the file from a local server under the RP ID it pretends to be.
 */
import { parse } from "tldts";
import { WebAuthnError } from "./errors.js";
import { rpIdClaimProblem, type CallerOrigin } from "./origin.js";
import { PageMessage } from "./pageMessages.js";

/** What the client needs of a fetch response: Node's and browsers' `Response` have it. */
export interface WellKnownResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface WellKnownRequest {
  signal: AbortSignal;
  /** Redirects come back to the client, which allows only https ones. */
  redirect: "manual";
  credentials: "omit";
  referrerPolicy: "no-referrer";
}

/** `fetch`, or a stand-in for it: one https URL in, one response out (redirects are not followed). */
export type WellKnownFetcher = (url: string, init: WellKnownRequest) => Promise<WellKnownResponse>;

export interface RelatedOriginsOptions {
  /** Default: the global `fetch`. */
  fetch?: WellKnownFetcher;
  /** Registrable origin labels considered; default 5, as Chrome (the spec's minimum). */
  maxLabels?: number;
}

const FETCH_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1 << 18;
const MAX_REDIRECTS = 20;
const DEFAULT_MAX_LABELS = 5;
const PSL = { allowPrivateDomains: true, extractHostname: false } as const;

/**
 * The RP ID of a ceremony or signal (WebAuthn L3 section 5.1.3 step
 * "determine the RP ID", 5.1.4, and the signal methods' asynchronous RP ID
 * validation): the origin's host when none is requested; a requested one the
 * origin may claim; else one whose well-known file lists the origin, unless
 * related origins are off (`false`).
 */
export async function determineRpId(
  requested: string | undefined,
  caller: CallerOrigin,
  relatedOrigins: RelatedOriginsOptions | false,
  signal?: AbortSignal,
): Promise<string> {
  if (requested === undefined) return caller.host;
  const problem = rpIdClaimProblem(requested, caller);
  if (!problem) return requested;
  if (!problem.relatedOriginsMayAllow || relatedOrigins === false) throw new WebAuthnError("SecurityError", problem.message);
  await validateRelatedOrigin(caller, requested, relatedOrigins, signal);
  return requested;
}

/** Resolves when `rpId`'s well-known file lists the caller's origin; throws the SecurityError Chrome would give otherwise. */
export async function validateRelatedOrigin(
  caller: CallerOrigin,
  rpId: string,
  options: RelatedOriginsOptions,
  signal: AbortSignal | undefined,
): Promise<void> {
  const url = `https://${rpId}/.well-known/webauthn`;
  const refuse = (why: string, pageMessage: string, cause?: unknown) =>
    new WebAuthnError("SecurityError", `RP ID "${rpId}" is not a registrable suffix of origin "${caller.origin}", and ${url} ${why}`, {
      pageMessage,
      cause,
    });
  let body: string;
  try {
    const response = await fetchFollowingHttpsRedirects(options.fetch ?? defaultFetcher(), url, signal);
    if (response.status !== 200) throw new Error(`answered HTTP ${response.status}`);
    const contentType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "application/json") {
      throw refuse(`has content type "${contentType}", not application/json`, PageMessage.relatedOriginWrongContentType);
    }
    body = await response.text();
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new Error(`is larger than ${MAX_BODY_BYTES} bytes`);
  } catch (error) {
    if (error instanceof WebAuthnError) throw error;
    if (signal?.aborted) throw signal.reason;
    throw refuse(`could not be fetched (${(error as Error)?.message ?? String(error)})`, PageMessage.relatedOriginFetchFailed, error);
  }
  const origins = parseOrigins(body);
  if (!origins) throw refuse('is not a JSON object with an "origins" array of strings', PageMessage.relatedOriginJsonParseError);
  const verdict = relatedOriginsAllow(caller.origin, origins, options.maxLabels ?? DEFAULT_MAX_LABELS);
  if (verdict === "match") return;
  if (verdict === "hitLimits") {
    throw refuse(
      `does not list it among its first ${options.maxLabels ?? DEFAULT_MAX_LABELS} registrable origin labels`,
      PageMessage.relatedOriginNoMatchHitLimits,
    );
  }
  throw refuse("does not list it", PageMessage.relatedOriginNoMatch);
}

/**
 * Section 5.11.1 steps 3-5, as Chrome counts: each listed origin's
 * registrable origin label (the label before the public suffix, e.g.
 * "example" for https://www.example.co.uk) is counted once; entries past
 * `maxLabels` distinct labels are ignored. A host under no known public
 * suffix (localhost, an IP address, an unknown TLD) has no such label and
 * is skipped, as Chrome's GetDomainAndRegistry skips it.
 */
export function relatedOriginsAllow(callerOrigin: string, origins: readonly string[], maxLabels: number): "match" | "noMatch" | "hitLimits" {
  const labelsSeen = new Set<string>();
  let hitLimits = false;
  for (const item of origins) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      continue;
    }
    const host = url.hostname ? parse(url.hostname, PSL) : undefined;
    const label = host?.domain && (host.isIcann || host.isPrivate) ? host.domainWithoutSuffix : undefined;
    if (!label) continue;
    if (!labelsSeen.has(label)) {
      if (labelsSeen.size >= maxLabels) {
        hitLimits = true;
        continue;
      }
      labelsSeen.add(label);
    }
    if (url.origin === callerOrigin) return "match";
  }
  return hitLimits ? "hitLimits" : "noMatch";
}

/** The `origins` member, or undefined when the body is not a JSON object whose `origins` is an array of strings. */
function parseOrigins(body: string): string[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const origins = (json as Record<string, unknown>).origins;
  if (!Array.isArray(origins) || origins.some((o) => typeof o !== "string")) return undefined;
  return origins as string[];
}

async function fetchFollowingHttpsRedirects(fetcher: WellKnownFetcher, start: string, outer: AbortSignal | undefined): Promise<WellKnownResponse> {
  const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
  let url = start;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await fetcher(url, { signal, redirect: "manual", credentials: "omit", referrerPolicy: "no-referrer" });
    if (response.status < 300 || response.status > 399 || response.status === 304) return response;
    const location = response.headers.get("location");
    if (!location) return response;
    const next = new URL(location, url);
    // Section 5.11: every redirect must use https as well.
    if (next.protocol !== "https:") throw new Error(`redirected to ${next.origin}, which is not https`);
    url = next.href;
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects`);
}

function defaultFetcher(): WellKnownFetcher {
  return (url, init) => fetch(url, init);
}
