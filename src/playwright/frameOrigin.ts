/**
 * The caller's facts where the browser gives none (src/browser/callerOrigin.ts applies the rule):
 * Playwright's Firefox and WebKit, or Chromium with `cdpChannel: false`. Only what Playwright's
 * frame tree can prove is used, and the rest is left unknown, which refuses:
 *
 * - a document's origin is its URL's (http, https, blob:), or opaque when its frame element is
 *   sandboxed without allow-same-origin; a document at about:blank, about:srcdoc, data: or
 *   javascript: takes its origin from whichever document created it, which no URL says: unknown;
 * - Permissions Policy: the `allow` attributes of the iframe elements up the tree, read from Node
 *   (a framed page cannot touch its parents' elements); response headers are not seen;
 * - user activation: unknown, so create() in a cross-origin frame is refused.
 *
 * A document sandboxed by a `Content-Security-Policy: sandbox` header has an opaque origin that no
 * URL or attribute shows: with these facts it counts as its URL's origin. Chromium's CDP channel
 * (cdpChannel.ts) has none of these gaps: it asks the browser.
 */
import type { ElementHandle, Frame } from "playwright-core";
import { OPAQUE_ORIGIN, type CallerFacts, type WebAuthnFeature } from "../browser/callerOrigin.js";
import { WebAuthnError } from "../client/index.js";

/** The facts of a call from the document in `frame`, as far as Playwright's URLs and elements tell them. */
export async function urlCallerFacts(frame: Frame): Promise<CallerFacts> {
  const origin = await documentOrigin(frame);
  if (origin === undefined) {
    throw new WebAuthnError(
      "NotAllowedError",
      `softkey cannot tell the origin of the document at "${frame.url() || "(no URL)"}" from its URL in this browser (it takes its creator's); in Chromium softkey asks the browser`,
    );
  }
  const ancestorOrigins: (string | undefined)[] = [];
  for (let f = frame.parentFrame(); f; f = f.parentFrame()) ancestorOrigins.push(await documentOrigin(f));
  return {
    origin,
    ancestorOrigins,
    allowsFeature: async (feature) => (ancestorOrigins.every((a) => a === origin) && origin !== OPAQUE_ORIGIN ? undefined : allowAttributesAllow(frame, feature)),
    hasTransientActivation: () => Promise.resolve(undefined),
  };
}

/** The origin of the document in `frame` as its URL and frame element prove it; undefined when they cannot. */
async function documentOrigin(frame: Frame): Promise<string | undefined> {
  const url = frame.url();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === "data:") return OPAQUE_ORIGIN;
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:" && parsed.protocol !== "blob:") return undefined;
  if (await sandboxedOpaque(frame)) return OPAQUE_ORIGIN;
  return parsed.origin;
}

/** Whether the frame element of `frame` is sandboxed without allow-same-origin (its document then has an opaque origin). */
async function sandboxedOpaque(frame: Frame): Promise<boolean> {
  if (!frame.parentFrame()) return false;
  return withFrameElement(frame, async (element) => {
    const sandbox = await element.getAttribute("sandbox");
    return sandbox !== null && !sandbox.split(/\s+/).includes("allow-same-origin");
  });
}

async function withFrameElement<T>(frame: Frame, use: (element: ElementHandle) => Promise<T>): Promise<T> {
  const element = await frame.frameElement();
  try {
    return await use(element);
  } finally {
    await element.dispose().catch(() => undefined);
  }
}

/**
 * Whether the `allow` attributes up the frame tree delegate `feature` to the document in `frame`:
 * every hop where the origin changes must (WebAuthn L3 section 5.9, Permissions Policy section 9.8).
 */
async function allowAttributesAllow(frame: Frame, feature: WebAuthnFeature): Promise<boolean> {
  for (let child = frame, parent = frame.parentFrame(); parent; child = parent, parent = parent.parentFrame()) {
    const childOrigin = await documentOrigin(child);
    const parentOrigin = await documentOrigin(parent);
    if (childOrigin === undefined || parentOrigin === undefined) return false;
    if (childOrigin === parentOrigin && childOrigin !== OPAQUE_ORIGIN) continue;
    const allowed = await withFrameElement(child, async (element) => {
      const [allow, src] = await Promise.all([element.getAttribute("allow"), element.getAttribute("src")]);
      let srcOrigin: string | undefined;
      try {
        srcOrigin = src === null ? undefined : new URL(src, parent.url()).origin;
      } catch {
        srcOrigin = undefined;
      }
      return allowAttributeAllows(allow, feature, { frame: childOrigin, parent: parentOrigin, src: srcOrigin });
    });
    if (!allowed) return false;
  }
  return true;
}

/**
 * An iframe's `allow` attribute (a container policy, W3C Permissions Policy section 9.8): does
 * it let the framed document's origin use `feature`? A directive without an allowlist means
 * 'src'; `*`, 'self' (the embedder's origin), 'src' (the origin of the src URL) and explicit
 * origins match; 'none' and a missing directive do not. An opaque origin matches only `*`.
 */
export function allowAttributeAllows(allow: string | null, feature: string, origins: { frame: string; parent: string; src?: string }): boolean {
  if (!allow) return false;
  const opaque = origins.frame === OPAQUE_ORIGIN;
  for (const directive of allow.split(";")) {
    const [name, ...allowlist] = directive.trim().split(/\s+/);
    if (name !== feature) continue;
    return (allowlist.length === 0 ? ["'src'"] : allowlist).some(
      (token) =>
        token === "*" ||
        (!opaque && token === "'self'" && origins.frame === origins.parent) ||
        (!opaque && token === "'src'" && origins.frame === origins.src) ||
        (!opaque && originOf(token) === origins.frame),
    );
  }
  return false;
}

function originOf(token: string): string | undefined {
  try {
    const origin = new URL(token).origin;
    return origin === "null" ? undefined : origin;
  } catch {
    return undefined;
  }
}
