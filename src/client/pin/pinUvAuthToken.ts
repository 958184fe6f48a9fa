/**
 * Getting a pinUvAuthToken (CTAP 2.1 section 6.5.5.7) and using it: from the
 * PIN with permissions (subCommand 0x09), from the PIN the CTAP 2.0 way
 * (getPinToken, 0x05, only when getInfo lacks the pinUvAuthToken option), or
 * from built-in user verification (0x06). pinUvAuthParam is then
 * authenticate(token, message) under the same protocol.
 */
import type { PinUvAuthProtocol } from "../../ctap/pinUvAuthProtocol.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { option, type AuthenticatorInfo } from "../ctap/authenticatorGetInfo.js";
import { ClientPinSubCommand } from "../../ctap/messages/clientPin.js";
import { authenticatorClientPin, required } from "../ctap/authenticatorClientPin.js";
import { malformed, type CallOptions } from "../ctap/command.js";
import { WebAuthnError } from "../errors.js";
import {
  choosePinUvAuthProtocol,
  decryptFromAuthenticator,
  establishSharedSecret,
  type PinUvAuthProtocolVersion,
  type SharedSecret,
} from "./keyAgreement.js";
import { pinOperationError } from "./pinErrors.js";
import { currentPinMinLength, pinHash, pinProblem } from "./pinRules.js";

export interface PinUvAuthToken {
  version: PinUvAuthProtocolVersion;
  /** The platform's protocol instance, for authenticate(). */
  protocol: PinUvAuthProtocol;
  token: Uint8Array;
  /** How the user was verified. */
  via: "pin" | "uv";
}

export interface TokenScope {
  /** Permission bits (CTAP 2.1 section 6.5.5.7); ignored by the legacy getPinToken (which grants mc and ga). */
  permissions: number;
  rpId?: string;
}

/** pinUvAuthParam for `message` (a clientDataHash, or what a command defines). */
export function pinUvAuthParam(token: PinUvAuthToken, message: Uint8Array): Uint8Array {
  return token.protocol.authenticate(token.token, message);
}

export function requireProtocol(info: AuthenticatorInfo): PinUvAuthProtocolVersion {
  const version = choosePinUvAuthProtocol(info);
  if (version === undefined) {
    throw new WebAuthnError(
      "NotAllowedError",
      `the authenticator offers no PIN/UV auth protocol this client speaks (it offers [${info.pinUvAuthProtocols.join(", ")}])`,
    );
  }
  return version;
}

export async function getPinUvAuthTokenUsingPin(
  transport: CtapTransport,
  info: AuthenticatorInfo,
  pin: string,
  scope: TokenScope,
  call?: CallOptions,
): Promise<PinUvAuthToken> {
  const problem = pinProblem(pin, currentPinMinLength(info));
  if (problem) throw new WebAuthnError("NotAllowedError", `${problem}; it cannot be this authenticator's PIN`);
  const version = requireProtocol(info);
  try {
    const shared = await establishSharedSecret(transport, version, call);
    const pinHashEnc = shared.protocol.encrypt(shared.secret, pinHash(pin));
    const withPermissions = option(info, "pinUvAuthToken") === true;
    const response = await authenticatorClientPin(
      transport,
      {
        subCommand: withPermissions
          ? ClientPinSubCommand.getPinUvAuthTokenUsingPinWithPermissions
          : ClientPinSubCommand.getPinToken,
        pinUvAuthProtocol: version,
        keyAgreement: shared.platformKey,
        pinHashEnc,
        ...(withPermissions ? { permissions: scope.permissions, rpId: scope.rpId } : {}),
      },
      call,
    );
    return tokenFrom(shared, required(response.pinUvAuthToken, "pinUvAuthToken"), "pin");
  } catch (error) {
    throw await pinOperationError(error, transport, "token", call);
  }
}

/** getPinUvAuthTokenUsingUvWithPermissions; CtapStatusErrors (UV_INVALID, UV_BLOCKED, ...) are left to the caller. */
export async function getPinUvAuthTokenUsingUv(
  transport: CtapTransport,
  info: AuthenticatorInfo,
  scope: TokenScope,
  call?: CallOptions,
): Promise<PinUvAuthToken> {
  const version = requireProtocol(info);
  const shared = await establishSharedSecret(transport, version, call);
  const response = await authenticatorClientPin(
    transport,
    {
      subCommand: ClientPinSubCommand.getPinUvAuthTokenUsingUvWithPermissions,
      pinUvAuthProtocol: version,
      keyAgreement: shared.platformKey,
      permissions: scope.permissions,
      rpId: scope.rpId,
    },
    call,
  );
  return tokenFrom(shared, required(response.pinUvAuthToken, "pinUvAuthToken"), "uv");
}

function tokenFrom(shared: SharedSecret, encrypted: Uint8Array, via: "pin" | "uv"): PinUvAuthToken {
  const token = decryptFromAuthenticator(shared, encrypted, "pinUvAuthToken");
  // Protocol two tokens are 32 bytes; protocol one allows any multiple of 16.
  if (token.length === 0 || (shared.version === 2 && token.length !== 32)) {
    throw malformed("authenticatorClientPIN", `pinUvAuthToken is ${token.length} bytes`);
  }
  return { version: shared.version, protocol: shared.protocol, token, via };
}
