/**
 * The platform's PIN management (CTAP 2.1 sections 6.5.5.5 and 6.5.5.6, and
 * the retry counters of 6.5.5.2 and 6.5.5.3), for `softkey pin set|change|status`
 * and for any caller holding a CtapTransport: the in-process core, a CTAPHID
 * socket, a real key. Failures are WebAuthnErrors: TypeError for a PIN that
 * breaks the composition rules (nothing was sent), NotAllowedError with the
 * CTAP status for what the authenticator refused.
 */
import type { CtapTransport } from "../../ctap/transport.js";
import { asWebAuthnError } from "../ceremony.js";
import { authenticatorGetInfo, option, type AuthenticatorInfo } from "../ctap/authenticatorGetInfo.js";
import { ClientPinSubCommand } from "../../ctap/messages/clientPin.js";
import { authenticatorClientPin, required } from "../ctap/authenticatorClientPin.js";
import type { CallOptions } from "../ctap/command.js";
import { WebAuthnError } from "../errors.js";
import { establishSharedSecret } from "./keyAgreement.js";
import { pinOperationError } from "./pinErrors.js";
import { currentPinMinLength, paddedPin, pinHash, pinProblem } from "./pinRules.js";
import { requireProtocol } from "./pinUvAuthToken.js";

export interface PinCallOptions {
  signal?: AbortSignal;
}

export interface PinRetries {
  pinRetries: number;
  /** True when the authenticator needs a power cycle before the PIN may be tried again. */
  powerCycleState?: boolean;
}

export interface PinStatus {
  /** False: no ClientPIN support at all. */
  supported: boolean;
  /** A PIN is set (getInfo clientPin: true). */
  isSet: boolean;
  minPinLength: number;
  forcePinChange: boolean;
  /** Present when a PIN is set. */
  pinRetries?: number;
  powerCycleState?: boolean;
  /** Present when the authenticator has built-in user verification. */
  uvRetries?: number;
}

/** setPIN: only when no PIN is set yet. */
export async function setPin(transport: CtapTransport, newPin: string, options: PinCallOptions = {}): Promise<void> {
  const call = callOf(options);
  await wrapped(async () => {
    const info = await authenticatorGetInfo(transport, call);
    const pinOption = option(info, "clientPin");
    if (pinOption === undefined) throw new WebAuthnError("NotSupportedError", "this authenticator has no PIN support");
    if (pinOption) throw new WebAuthnError("NotAllowedError", "a PIN is already set on this authenticator: change it instead");
    checkNewPin(newPin, info);
    const shared = await establishSharedSecret(transport, requireProtocol(info), call);
    const newPinEnc = shared.protocol.encrypt(shared.secret, paddedPin(newPin));
    try {
      await authenticatorClientPin(
        transport,
        {
          subCommand: ClientPinSubCommand.setPIN,
          pinUvAuthProtocol: shared.version,
          keyAgreement: shared.platformKey,
          newPinEnc,
          pinUvAuthParam: shared.protocol.authenticate(shared.secret, newPinEnc),
        },
        call,
      );
    } catch (error) {
      throw await pinOperationError(error, transport, "set", call);
    }
  });
}

/** changePIN: proves the current PIN (which costs a retry if wrong) and sets the new one. */
export async function changePin(
  transport: CtapTransport,
  currentPin: string,
  newPin: string,
  options: PinCallOptions = {},
): Promise<void> {
  const call = callOf(options);
  await wrapped(async () => {
    const info = await authenticatorGetInfo(transport, call);
    const pinOption = option(info, "clientPin");
    if (pinOption === undefined) throw new WebAuthnError("NotSupportedError", "this authenticator has no PIN support");
    if (!pinOption) throw new WebAuthnError("NotAllowedError", "no PIN is set on this authenticator: set one instead");
    const currentProblem = pinProblem(currentPin, currentPinMinLength(info));
    if (currentProblem) throw new WebAuthnError("NotAllowedError", `${currentProblem}; it cannot be the current PIN`);
    checkNewPin(newPin, info);
    const shared = await establishSharedSecret(transport, requireProtocol(info), call);
    const newPinEnc = shared.protocol.encrypt(shared.secret, paddedPin(newPin));
    const pinHashEnc = shared.protocol.encrypt(shared.secret, pinHash(currentPin));
    const signed = new Uint8Array(newPinEnc.length + pinHashEnc.length);
    signed.set(newPinEnc, 0);
    signed.set(pinHashEnc, newPinEnc.length);
    try {
      await authenticatorClientPin(
        transport,
        {
          subCommand: ClientPinSubCommand.changePIN,
          pinUvAuthProtocol: shared.version,
          keyAgreement: shared.platformKey,
          pinHashEnc,
          newPinEnc,
          pinUvAuthParam: shared.protocol.authenticate(shared.secret, signed),
        },
        call,
      );
    } catch (error) {
      throw await pinOperationError(error, transport, "change", call);
    }
  });
}

/** getPINRetries. */
export async function getPinRetries(transport: CtapTransport, options: PinCallOptions = {}): Promise<PinRetries> {
  return wrapped(async () => {
    const response = await authenticatorClientPin(
      transport,
      { subCommand: ClientPinSubCommand.getPINRetries },
      callOf(options),
    );
    return {
      pinRetries: required(response.pinRetries, "pinRetries"),
      ...(response.powerCycleState !== undefined ? { powerCycleState: response.powerCycleState } : {}),
    };
  });
}

/** getUVRetries (built-in user verification attempts left). */
export async function getUvRetries(transport: CtapTransport, options: PinCallOptions = {}): Promise<{ uvRetries: number }> {
  return wrapped(async () => {
    const response = await authenticatorClientPin(transport, { subCommand: ClientPinSubCommand.getUVRetries }, callOf(options));
    return { uvRetries: required(response.uvRetries, "uvRetries") };
  });
}

/** Everything `softkey pin status` shows: getInfo's PIN facts and the retry counters. */
export async function getPinStatus(transport: CtapTransport, options: PinCallOptions = {}): Promise<PinStatus> {
  return wrapped(async () => {
    const info = await authenticatorGetInfo(transport, callOf(options));
    const pinOption = option(info, "clientPin");
    const status: PinStatus = {
      supported: pinOption !== undefined,
      isSet: pinOption === true,
      minPinLength: info.minPinLength,
      forcePinChange: info.forcePinChange,
    };
    if (status.isSet) Object.assign(status, await getPinRetries(transport, options));
    if (option(info, "uv") !== undefined) status.uvRetries = (await getUvRetries(transport, options)).uvRetries;
    return status;
  });
}

function checkNewPin(pin: string, info: AuthenticatorInfo): void {
  const problem = pinProblem(pin, info.minPinLength);
  if (problem) throw new WebAuthnError("TypeError", `invalid new PIN: ${problem}`);
}

function callOf(options: PinCallOptions): CallOptions {
  return options.signal ? { signal: options.signal } : {};
}

async function wrapped<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw asWebAuthnError(error);
  }
}
