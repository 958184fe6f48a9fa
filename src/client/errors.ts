/**
 * Errors the WebAuthn client reports, named as a browser names the
 * DOMException it would reject `navigator.credentials.create()/get()` with,
 * so tests written against a browser read the same here.
 *
 * Each error carries two messages. `message` is softkey's specific reason
 * ("no matching credential on the authenticator", "the .well-known/webauthn
 * of example.com lists no matching origin"), for the test engineer, the CLI,
 * the HTTP service and events. `pageMessage` is what Chrome shows a page for
 * the same failure (./pageMessages.ts): Chrome never tells a page why a
 * ceremony was refused, so it cannot probe for credentials.
 */
import { Status, statusName } from "../ctap/status.js";
import { defaultPageMessage, PageMessage } from "./pageMessages.js";

export type WebAuthnErrorName =
  /** The ceremony failed or was refused: user/authenticator said no, timeout, no credential, bad response. */
  | "NotAllowedError"
  /** excludeCredentials matched a credential already on the authenticator. */
  | "InvalidStateError"
  /** Origin or RP ID rules (WebAuthn L3 section 5.1.3 / 5.1.4, HTML "registrable domain suffix", related origins). */
  | "SecurityError"
  /** No requested algorithm or credential type is supported, or an input is out of place (an extension for the other ceremony). */
  | "NotSupportedError"
  /** The options JSON is malformed (what WebIDL conversion would throw). */
  | "TypeError"
  /** A base64url field of the options JSON does not decode (parseCreationOptionsFromJSON). */
  | "EncodingError"
  /** An input names something that cannot be (prf evalByCredential keys not in allowCredentials, a malformed appidExclude). */
  | "SyntaxError"
  /** A conditional create whose required user verification cannot be collected (WebAuthn L3 section 5.1.3). */
  | "ConstraintError"
  /** The caller's AbortSignal fired. */
  | "AbortError";

export class WebAuthnError extends Error {
  override readonly name: WebAuthnErrorName;
  /** The CTAP status byte behind this error, when the authenticator answered with one. */
  readonly ctapStatus?: number;
  private readonly explicitPageMessage: string | undefined;

  constructor(
    name: WebAuthnErrorName,
    message: string,
    options: { ctapStatus?: number; cause?: unknown; pageMessage?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    if (options.ctapStatus !== undefined) this.ctapStatus = options.ctapStatus;
    this.explicitPageMessage = options.pageMessage;
  }

  /** Spec name of `ctapStatus`, e.g. "CTAP2_ERR_NO_CREDENTIALS". */
  get ctapStatusName(): string | undefined {
    return this.ctapStatus === undefined ? undefined : statusName(this.ctapStatus);
  }

  /** The message a page sees in Chrome for this failure (the DOMException's message); see ./pageMessages.ts. */
  get pageMessage(): string {
    return this.explicitPageMessage ?? defaultPageMessage(this.name, this.message);
  }
}

/**
 * Map a failing CTAP status to the DOMException Chrome reports: it collapses
 * nearly everything into NotAllowedError so sites cannot probe for
 * credentials; only an excluded credential and an unsupported algorithm are
 * told apart.
 */
export function errorFromCtapStatus(status: number, command: string): WebAuthnError {
  const name = statusName(status);
  switch (status) {
    case Status.CTAP2_ERR_CREDENTIAL_EXCLUDED:
      return new WebAuthnError(
        "InvalidStateError",
        `${command}: the authenticator already holds a credential from excludeCredentials (${name})`,
        { ctapStatus: status },
      );
    case Status.CTAP2_ERR_UNSUPPORTED_ALGORITHM:
      return new WebAuthnError(
        "NotSupportedError",
        `${command}: the authenticator supports none of the requested algorithms (${name})`,
        { ctapStatus: status, pageMessage: PageMessage.algorithmUnsupported },
      );
    default:
      return new WebAuthnError("NotAllowedError", `${command} failed: ${name}${hint(status)}`, { ctapStatus: status });
  }
}

function hint(status: number): string {
  switch (status) {
    case Status.CTAP2_ERR_NO_CREDENTIALS:
      return " (no matching credential on the authenticator)";
    case Status.CTAP2_ERR_OPERATION_DENIED:
      return " (the user refused)";
    case Status.CTAP2_ERR_PUAT_REQUIRED:
      return " (the authenticator requires user verification: pass its PIN)";
    case Status.CTAP2_ERR_KEEPALIVE_CANCEL:
      return " (cancelled)";
    case Status.CTAP2_ERR_USER_ACTION_TIMEOUT:
      return " (the user did not respond in time)";
    default:
      return "";
  }
}
