/**
 * How a ceremony verifies the user, decided as Chrome decides it
 * (device/fido/fido_device_authenticator.cc, PINUVDispositionFor*, and
 * auth_token_requester.cc), from getInfo and whether the client can supply
 * a PIN:
 *
 *  - discouraged, or preferred with neither built-in UV nor a usable PIN: no UV;
 *  - built-in UV without the pinUvAuthToken option (CTAP 2.0): the "uv" option;
 *  - built-in UV with pinUvAuthToken: a token from getPinUvAuthTokenUsingUvWithPermissions,
 *    falling back to the PIN when the sensor is blocked or fails;
 *  - a PIN is set and the client has one: a token from the PIN
 *    (getPinUvAuthTokenUsingPinWithPermissions, or getPinToken on CTAP 2.0);
 *  - otherwise UV is required but impossible: NotAllowedError, saying why.
 *
 * The callers raise the requirement first where Chrome does: discoverable
 * credentials, alwaysUv, a PIN-protected key without makeCredUvNotRqd.
 */
import { Status } from "../ctap/status.js";
import type { ClientContext } from "./context.js";
import { option, type AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import { ClientPinSubCommand } from "../ctap/messages/clientPin.js";
import { authenticatorClientPin } from "./ctap/authenticatorClientPin.js";
import { CtapStatusError, type CallOptions } from "./ctap/command.js";
import { errorFromCtapStatus, WebAuthnError } from "./errors.js";
import type { Requirement } from "./optionsJSON.js";
import { PIN_NEEDED_MESSAGE, pinError } from "./pin/pinErrors.js";
import {
  getPinUvAuthTokenUsingPin,
  getPinUvAuthTokenUsingUv,
  type PinUvAuthToken,
  type TokenScope,
} from "./pin/pinUvAuthToken.js";

export type UvDisposition =
  | { kind: "none" }
  | { kind: "builtIn" }
  | { kind: "uvToken" }
  | { kind: "pinToken" }
  | { kind: "unsatisfiable"; message: string };

/** What the ceremony sends: the "uv" option, or a token to compute pinUvAuthParam with, or neither. */
export interface UserVerification {
  uvOption: boolean;
  token?: PinUvAuthToken;
}

export interface AuthenticatorUv {
  pinSupported: boolean;
  pinSet: boolean;
  uvConfigured: boolean;
  canGetUvToken: boolean;
}

export function authenticatorUv(info: AuthenticatorInfo): AuthenticatorUv {
  const uvConfigured = option(info, "uv") === true;
  return {
    pinSupported: option(info, "clientPin") !== undefined,
    pinSet: option(info, "clientPin") === true,
    uvConfigured,
    canGetUvToken: uvConfigured && option(info, "pinUvAuthToken") === true,
  };
}

/** Whether this client could verify the user on this authenticator at all. */
export function canVerifyUser(info: AuthenticatorInfo, pinAvailable: boolean): boolean {
  const uv = authenticatorUv(info);
  return uv.uvConfigured || (uv.pinSet && pinAvailable);
}

export function uvDisposition(requirement: Requirement, info: AuthenticatorInfo, pinAvailable: boolean): UvDisposition {
  const uv = authenticatorUv(info);
  const canUsePin = uv.pinSet && pinAvailable;
  if (requirement === "discouraged") return { kind: "none" };
  if (requirement === "preferred" && !canUsePin && !uv.uvConfigured) return { kind: "none" };
  if (uv.uvConfigured && !uv.canGetUvToken) return { kind: "builtIn" };
  if (uv.canGetUvToken) return { kind: "uvToken" };
  if (canUsePin) return { kind: "pinToken" };
  // Only "required" gets here.
  if (uv.pinSet) return { kind: "unsatisfiable", message: `user verification is required and ${PIN_NEEDED_MESSAGE}` };
  if (uv.pinSupported) {
    return {
      kind: "unsatisfiable",
      message:
        "user verification is required but the authenticator has no PIN set and no built-in UV: " +
        "set a PIN first (softkey pin set), as a browser would ask you to",
    };
  }
  return {
    kind: "unsatisfiable",
    message: "user verification is required but the authenticator offers no user verification (no built-in UV, no PIN)",
  };
}

/** Carry out the disposition: ask for the token (and the PIN) now, before the ceremony's command. */
export async function verifyUser(
  client: ClientContext,
  info: AuthenticatorInfo,
  disposition: UvDisposition,
  scope: TokenScope,
  call: CallOptions,
): Promise<UserVerification> {
  switch (disposition.kind) {
    case "none":
      return { uvOption: false };
    case "builtIn":
      return { uvOption: true };
    case "unsatisfiable":
      throw new WebAuthnError("NotAllowedError", disposition.message);
    case "pinToken":
      return { uvOption: false, token: await tokenFromPin(client, info, scope, call) };
    case "uvToken":
      return { uvOption: false, token: await tokenFromBuiltInUv(client, info, scope, call) };
  }
}

async function tokenFromPin(
  client: ClientContext,
  info: AuthenticatorInfo,
  scope: TokenScope,
  call: CallOptions,
  afterUvFailure?: string,
): Promise<PinUvAuthToken> {
  const pin = await client.getPin();
  if (pin === undefined) {
    throw new WebAuthnError("NotAllowedError", afterUvFailure ? `${afterUvFailure}, and ${PIN_NEEDED_MESSAGE}` : PIN_NEEDED_MESSAGE);
  }
  return getPinUvAuthTokenUsingPin(client.transport, info, pin, scope, call);
}

/**
 * The UV token path of Chrome's AuthTokenRequester: getUVRetries first, so a
 * blocked sensor goes straight to the PIN; a failed or blocked match falls
 * back to the PIN when one is set and given. (Chrome lets the user retry the
 * sensor; with no one to retry, one failure is final.)
 */
async function tokenFromBuiltInUv(
  client: ClientContext,
  info: AuthenticatorInfo,
  scope: TokenScope,
  call: CallOptions,
): Promise<PinUvAuthToken> {
  const { pinSet } = authenticatorUv(info);
  const pinFallback = async (reason: string, status: number): Promise<PinUvAuthToken> => {
    if (!pinSet) throw pinError(status, reason);
    return tokenFromPin(client, info, scope, call, reason);
  };
  const retries = await uvRetries(client, call);
  if (retries === 0) return pinFallback("built-in user verification is blocked", Status.CTAP2_ERR_UV_BLOCKED);
  try {
    return await getPinUvAuthTokenUsingUv(client.transport, info, scope, call);
  } catch (error) {
    if (!(error instanceof CtapStatusError)) throw error;
    switch (error.status) {
      case Status.CTAP2_ERR_UV_INVALID: {
        const left = await uvRetries(client, call);
        return pinFallback(
          `built-in user verification failed (${left === undefined ? "unknown number of" : left} retries left)`,
          error.status,
        );
      }
      case Status.CTAP2_ERR_UV_BLOCKED:
        return pinFallback("built-in user verification is blocked after too many failures", error.status);
      default:
        throw errorFromCtapStatus(error.status, error.command);
    }
  }
}

async function uvRetries(client: ClientContext, call: CallOptions): Promise<number | undefined> {
  try {
    return (await authenticatorClientPin(client.transport, { subCommand: ClientPinSubCommand.getUVRetries }, call)).uvRetries;
  } catch (error) {
    // An abort must still end the ceremony; any other failure only loses the count.
    if (call.signal?.aborted) throw error;
    return undefined;
  }
}
