/**
 * The Node side of the page protocol (serialization.ts defines it): checking
 * what the page sends, which is untrusted, and turning a failure into the
 * DOMException name and message the page rejects with.
 */
import { WebAuthnError } from "../client/index.js";
import type { WireRequest } from "./serialization.js";

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

/** The page is untrusted: check the shape of what it sends before using any of it. */
export function parseRequest(message: unknown): WireRequest | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as Record<string, unknown>;
  if (typeof m.id !== "string" || m.id.length > 200) return undefined;
  if (m.op === "abort") return { op: "abort", id: m.id };
  if (m.op === "context") return { op: "context", id: m.id, ...(m.ceremony === "create" || m.ceremony === "get" ? { ceremony: m.ceremony } : {}) };
  if ((m.op !== "create" && m.op !== "get") || typeof m.origin !== "string") return undefined;
  if (typeof m.options !== "object" || m.options === null || Array.isArray(m.options)) return undefined;
  if (m.mediation !== undefined && typeof m.mediation !== "string") return undefined;
  if (m.context !== undefined && typeof m.context !== "string") return undefined;
  return m as WireRequest;
}

export function wireError(error: unknown): { ok: false; name: string; message: string } {
  if (error instanceof WebAuthnError) return { ok: false, name: error.name, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && DOM_ERROR_NAMES.has(error.name)) return { ok: false, name: error.name, message };
  return { ok: false, name: "NotAllowedError", message: `softkey: ${message}` };
}
