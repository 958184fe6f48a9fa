/**
 * The Node side of the page protocol (serialization.ts defines it): checking
 * what the page sends, which is untrusted, and turning a failure into the
 * DOMException name and message the page rejects with: Chrome's generic
 * message (WebAuthnError.pageMessage), never softkey's specific reason,
 * which goes to the attachment's ceremonyFailed event instead.
 */
import { PageMessage, WebAuthnError } from "../client/index.js";
import type { WireRequest, WireStatic } from "./serialization.js";

/** Names the page may reject with as they are; anything else becomes NotAllowedError, as a browser hides internal failures. */
const DOM_ERROR_NAMES = new Set([
  "NotAllowedError",
  "InvalidStateError",
  "SecurityError",
  "NotSupportedError",
  "AbortError",
  "TypeError",
  "EncodingError",
  "SyntaxError",
  "ConstraintError",
  "UnknownError",
]);

const STATICS: readonly WireStatic[] = [
  "getClientCapabilities",
  "isUserVerifyingPlatformAuthenticatorAvailable",
  "signalUnknownCredential",
  "signalAllAcceptedCredentials",
  "signalCurrentUserDetails",
];

/** The page is untrusted: check the shape of what it sends before using any of it. */
export function parseRequest(message: unknown): WireRequest | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as Record<string, unknown>;
  if (typeof m.id !== "string" || m.id.length > 200) return undefined;
  if (m.op === "abort") return { op: "abort", id: m.id };
  if (m.op === "context") {
    const ceremony = m.ceremony === "create" || m.ceremony === "get" || m.ceremony === "static" ? { ceremony: m.ceremony as "create" | "get" | "static" } : {};
    return { op: "context", id: m.id, ...ceremony };
  }
  if (typeof m.origin !== "string") return undefined;
  if (m.context !== undefined && typeof m.context !== "string") return undefined;
  if (m.op === "static") {
    if (!STATICS.includes(m.name as WireStatic)) return undefined;
    const context = m.context !== undefined ? { context: m.context as string } : {};
    return { op: "static", id: m.id, origin: m.origin, name: m.name as WireStatic, ...(m.options !== undefined ? { options: m.options } : {}), ...context };
  }
  if (m.op !== "create" && m.op !== "get") return undefined;
  if (typeof m.options !== "object" || m.options === null || Array.isArray(m.options)) return undefined;
  for (const key of ["mediation", "uiMode"]) if (m[key] !== undefined && typeof m[key] !== "string") return undefined;
  if (m.userActivation !== undefined && typeof m.userActivation !== "boolean") return undefined;
  return m as WireRequest;
}

/** What the page rejects with: the DOMException name and Chrome's message for it. */
export function wireError(error: unknown): { ok: false; name: string; message: string } {
  if (error instanceof WebAuthnError) return { ok: false, name: error.name, message: error.pageMessage };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && DOM_ERROR_NAMES.has(error.name)) return { ok: false, name: error.name, message };
  // Anything else (a storage failure, a bug) is an internal failure, which Chrome reports as a refusal.
  return { ok: false, name: "NotAllowedError", message: PageMessage.notAllowed };
}

/** softkey's own account of a failure, for events and logs: the specific reason. */
export function failureReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A page's post, `{ call, request }`, or undefined when it has no usable call number: such a
 * post cannot be answered (the shim always numbers its calls), so it is dropped. `request` is
 * still untrusted and checked by the handler.
 */
export function parsePagePost(post: string): { call: number; request: unknown } | undefined {
  let parsed: { call?: unknown; request?: unknown };
  try {
    parsed = JSON.parse(post) as { call?: unknown; request?: unknown };
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  const { call, request } = parsed;
  return typeof call === "number" && Number.isSafeInteger(call) ? { call, request } : undefined;
}
