/**
 * Every failure of the HTTP service is JSON, `{ "error": { "code", "message" } }`,
 * with a status that says what kind of failure it is. `code` is stable: a
 * WebAuthn error keeps the DOMException name a browser would reject with
 * (`NotAllowedError`, `SecurityError`, ...), the service's own failures have
 * snake_case codes (`unauthorized`, `payload_too_large`, ...). Nothing
 * internal (a stack, a file path) ever reaches the body.
 */
import { WebAuthnError, type WebAuthnErrorName } from "../../client/errors.js";

export type ServiceErrorCode =
  | "invalid_json"
  | "invalid_request"
  | "unauthorized"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "shutting_down"
  | "request_timeout"
  | "headers_too_large"
  | "internal";

export type ErrorCode = ServiceErrorCode | WebAuthnErrorName;

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** The CTAP status behind a WebAuthn error, when the authenticator answered with one, e.g. `CTAP2_ERR_NO_CREDENTIALS`. */
    ctapStatus?: string;
  };
}

/** An error the service answers with: a status, a stable code, a message safe to show. */
export class HttpError extends Error {
  override name = "HttpError";

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      headers?: Record<string, string>;
      ctapStatus?: string;
      /** The connection cannot be reused (a request body left unread). */
      closeConnection?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
  }

  get body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.extra.ctapStatus ? { ctapStatus: this.extra.ctapStatus } : {}) } };
  }
}

/**
 * The status of each WebAuthn error. 403 is kept for SecurityError alone (the
 * origin may not claim the RP ID), so a test can tell an origin mistake from a
 * refusal by the status; a refused or failed ceremony (NotAllowedError, also
 * NotSupportedError) is 422: the request was understood and could not be carried out.
 */
export const WEBAUTHN_STATUS: Record<WebAuthnErrorName, number> = {
  TypeError: 400,
  EncodingError: 400,
  SyntaxError: 400,
  SecurityError: 403,
  InvalidStateError: 409,
  NotAllowedError: 422,
  NotSupportedError: 422,
  ConstraintError: 422,
  // Only when the service aborts a ceremony itself: it is shutting down.
  AbortError: 503,
};

/** Any thrown value as the error to answer with; anything unexpected is a 500 that says nothing more. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof WebAuthnError) {
    const status = WEBAUTHN_STATUS[error.name] ?? 500;
    const ctapStatus = error.ctapStatusName;
    return new HttpError(status, error.name, error.message, { cause: error, ...(ctapStatus ? { ctapStatus } : {}) });
  }
  return new HttpError(500, "internal", "internal error (see the service's log)", { cause: error });
}

/**
 * A TypeError or RangeError thrown while checking a caller's values (an unknown policy, a fault
 * that does not exist) as the 400 `TypeError` a browser would reject such a call with; anything else as it is.
 */
export function asInputError(error: unknown): unknown {
  return error instanceof TypeError || error instanceof RangeError ? new WebAuthnError("TypeError", error.message, { cause: error }) : error;
}

export const badRequest = (message: string) => new HttpError(400, "invalid_request", message);
export const notFound = (message: string) => new HttpError(404, "not_found", message);
