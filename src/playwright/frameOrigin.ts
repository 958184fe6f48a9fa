/**
 * The origin a ceremony runs for, decided on the Node side from what
 * Playwright knows about the calling frame, never from anything the page
 * says. This is what keeps a look-alike page from using another site's
 * passkey: the page cannot choose the origin that goes into clientDataJSON
 * or that the RP ID is checked against.
 */
import type { Frame } from "playwright-core";

/**
 * The serialised origin of the document in `frame`: that of its URL, or for
 * about:blank and about:srcdoc documents (which inherit their origin) that
 * of the nearest ancestor with a real URL. "null" for opaque origins
 * (data:, file:, and anything unparsable), which WebAuthn refuses.
 */
export function frameOrigin(frame: Frame): string {
  for (let f: Frame | null = frame; f; f = f.parentFrame()) {
    const url = f.url();
    if (url === "" || url.startsWith("about:")) continue;
    try {
      return new URL(url).origin;
    } catch {
      return "null";
    }
  }
  return "null";
}

/** The top-level origin for a frame that is not the top-level frame, else undefined. */
export function topOrigin(frame: Frame): string | undefined {
  const main = frame.page().mainFrame();
  return frame === main ? undefined : frameOrigin(main);
}

/**
 * Whether Permissions Policy lets `frame` use `feature` ("publickey-credentials-get" or
 * "-create"), as far as the embedding pages' `allow` attributes say: every hop up to the
 * top-level frame where the origin changes must delegate the feature (WebAuthn L3 section 5.9).
 * Read on the Node side from the parents' iframe elements, which a framed page cannot touch,
 * so a framed page that calls the binding directly cannot skip the check its shim makes.
 * Permissions-Policy response headers are not consulted.
 */
export async function permissionsPolicyAllows(frame: Frame, feature: string): Promise<boolean> {
  for (let child = frame, parent = frame.parentFrame(); parent; child = parent, parent = parent.parentFrame()) {
    const childOrigin = frameOrigin(child);
    const parentOrigin = frameOrigin(parent);
    if (childOrigin === parentOrigin) continue;
    const element = await child.frameElement();
    try {
      const [allow, src] = await Promise.all([element.getAttribute("allow"), element.getAttribute("src")]);
      let srcOrigin: string | undefined;
      try {
        srcOrigin = src === null ? undefined : new URL(src, parent.url()).origin;
      } catch {
        srcOrigin = undefined;
      }
      if (!allowAttributeAllows(allow, feature, { frame: childOrigin, parent: parentOrigin, src: srcOrigin })) return false;
    } finally {
      await element.dispose().catch(() => undefined);
    }
  }
  return true;
}

/**
 * An iframe's `allow` attribute (a container policy, W3C Permissions Policy section 9.8): does
 * it let the framed document's origin use `feature`? A directive without an allowlist means
 * 'src'; `*`, 'self' (the embedder's origin), 'src' (the origin of the src URL) and explicit
 * origins match; 'none' and a missing directive do not.
 */
export function allowAttributeAllows(
  allow: string | null,
  feature: string,
  origins: { frame: string; parent: string; src?: string },
): boolean {
  if (!allow) return false;
  for (const directive of allow.split(";")) {
    const [name, ...allowlist] = directive.trim().split(/\s+/);
    if (name !== feature) continue;
    return (allowlist.length === 0 ? ["'src'"] : allowlist).some(
      (token) =>
        token === "*" ||
        (token === "'self'" && origins.frame === origins.parent) ||
        (token === "'src'" && origins.frame === origins.src) ||
        originOf(token) === origins.frame,
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
