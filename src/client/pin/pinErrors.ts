/**
 * ClientPIN failures as the errors a caller sees: always NotAllowedError (a
 * browser reports nothing finer to the page), with a message that says what
 * to do and the CTAP status kept in `ctapStatus`.
 */
import { Status } from "../../ctap/status.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { CtapStatusError, type CallOptions } from "../ctap/command.js";
import { ClientPinSubCommand } from "../../ctap/messages/clientPin.js";
import { authenticatorClientPin } from "../ctap/authenticatorClientPin.js";
import { errorFromCtapStatus, WebAuthnError } from "../errors.js";

export const PIN_NEEDED_MESSAGE = "this authenticator needs its PIN: pass pin / --pin-file / SOFTKEY_PIN";

export function pinError(status: number, message: string): WebAuthnError {
  return new WebAuthnError("NotAllowedError", message, { ctapStatus: status });
}

/**
 * The error for a failed PIN operation (token, setPIN, changePIN). A wrong
 * PIN asks getPINRetries how many tries are left, as Chrome's dialog shows.
 */
export async function pinOperationError(
  error: unknown,
  transport: CtapTransport,
  operation: "token" | "set" | "change",
  call?: CallOptions,
): Promise<unknown> {
  if (!(error instanceof CtapStatusError) || error.command !== "authenticatorClientPIN") return error;
  switch (error.status) {
    case Status.CTAP2_ERR_PIN_INVALID: {
      const retries = await pinRetriesLeft(transport, call);
      return pinError(error.status, `wrong PIN (${retries === undefined ? "unknown number of" : retries} retries left)`);
    }
    case Status.CTAP2_ERR_PIN_BLOCKED:
      return pinError(error.status, "the PIN is blocked after too many wrong attempts: only resetting the authenticator clears it");
    case Status.CTAP2_ERR_PIN_AUTH_BLOCKED:
      return pinError(
        error.status,
        "three wrong PINs in a row: power-cycle the authenticator (unplug it, or restart softkey) before trying again",
      );
    case Status.CTAP2_ERR_PIN_NOT_SET:
      return pinError(error.status, "no PIN is set on this authenticator (set one with softkey pin set)");
    case Status.CTAP2_ERR_PIN_POLICY_VIOLATION:
      return pinError(
        error.status,
        operation === "token"
          ? "the authenticator requires its PIN to be changed first (softkey pin change)"
          : "the authenticator refused the new PIN (too short, too long, or the same as the old one)",
      );
    case Status.CTAP2_ERR_PIN_AUTH_INVALID:
      return pinError(
        error.status,
        operation === "set"
          ? "the authenticator refused to set a PIN (is one already set? use change instead)"
          : "the authenticator rejected the PIN protocol exchange (PIN_AUTH_INVALID)",
      );
    case Status.CTAP2_ERR_UV_BLOCKED:
      return pinError(error.status, "built-in user verification is blocked after too many failures");
    default:
      return errorFromCtapStatus(error.status, error.command);
  }
}

/** getPINRetries, or undefined when even that fails (the original error matters more). */
export async function pinRetriesLeft(transport: CtapTransport, call?: CallOptions): Promise<number | undefined> {
  try {
    return (await authenticatorClientPin(transport, { subCommand: ClientPinSubCommand.getPINRetries }, call)).pinRetries;
  } catch {
    return undefined;
  }
}
