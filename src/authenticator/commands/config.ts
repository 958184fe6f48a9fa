/**
 * authenticatorConfig (0x0D), CTAP 2.1 section 6.11: toggleAlwaysUv,
 * setMinPINLength, and enableEnterpriseAttestation on a device configured for
 * enterprise attestation (elsewhere it is an unsupported subcommand).
 */
import type { CborMap } from "../../ctap/cbor.js";
import type { AuthenticatorContext } from "../context.js";
import { Command } from "../../ctap/commands.js";
import { CtapError, Status } from "../../ctap/status.js";
import { encodeParameters, optionalArray, optionalBoolean, optionalBytes, optionalInteger, optionalMap, requireInteger } from "../params.js";
import { Permission } from "../../ctap/permissions.js";
import { loadPinState, savePinState } from "../pin/pinState.js";
import { isProtectedByUv } from "./pinUvAuth.js";
import { verifyCommandToken } from "./commandToken.js";
import { enableEnterpriseAttestation, enterpriseAttestationCapable } from "../enterpriseAttestation.js";
import { ConfigSubCommand, Param, SetMinPinLengthParam } from "../../ctap/messages/config.js";
import { Response as GetInfoResponse } from "../../ctap/messages/getInfo.js";

/** newPinEnc holds at most 63 bytes, so no PIN could meet a longer minimum. */
const LONGEST_PIN = 63;

type Handler = (ctx: AuthenticatorContext, subCommandParams: CborMap | undefined) => Promise<undefined>;

const subCommands = new Map<number, Handler>([
  [ConfigSubCommand.enableEnterpriseAttestation, enableEnterpriseAttestation],
  [ConfigSubCommand.toggleAlwaysUv, toggleAlwaysUv],
  [ConfigSubCommand.setMinPINLength, setMinPinLength],
]);

export async function authenticatorConfig(params: CborMap, ctx: AuthenticatorContext): Promise<undefined> {
  const subCommand = requireInteger(params, Param.subCommand, "subCommand");
  const subCommandParams = optionalMap(params, Param.subCommandParams, "subCommandParams");
  // Step 1: a subcommand not supported (enterprise attestation on a device not capable of it) is CTAP1_ERR_INVALID_PARAMETER.
  const supported = subCommand !== ConfigSubCommand.enableEnterpriseAttestation || enterpriseAttestationCapable(ctx);
  const handler = supported ? subCommands.get(subCommand) : undefined;
  if (!handler) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `authenticatorConfig subCommand ${subCommand} is not supported`);
  // Steps 2-3: an authenticator protected by a PIN or built-in UV needs a token with the acfg permission;
  // one that is not runs the subcommand as it is (it could not issue a token anyway).
  if (await isProtectedByUv(ctx)) {
    verifyCommandToken(ctx, {
      pinUvAuthParam: optionalBytes(params, Param.pinUvAuthParam, "pinUvAuthParam"),
      pinUvAuthProtocol: optionalInteger(params, Param.pinUvAuthProtocol, "pinUvAuthProtocol"),
      message: configMessage(subCommand, subCommandParams),
      permission: Permission.acfg,
      purpose: `authenticatorConfig subCommand ${subCommand}`,
    });
  }
  return handler(ctx, subCommandParams);
}

/** 32×0xff || 0x0d || uint8(subCommand) || subCommandParams (canonical CBOR, when present). */
function configMessage(subCommand: number, subCommandParams: CborMap | undefined): Uint8Array {
  const encodedParams = subCommandParams ? encodeParameters(subCommandParams, "subCommandParams") : new Uint8Array(0);
  const message = new Uint8Array(34 + encodedParams.length);
  message.fill(0xff, 0, 32);
  message[32] = Command.authenticatorConfig;
  message[33] = subCommand;
  message.set(encodedParams, 34);
  return message;
}

async function toggleAlwaysUv(ctx: AuthenticatorContext): Promise<undefined> {
  const state = await loadPinState(ctx);
  await savePinState(ctx, { ...state, alwaysUv: !state.alwaysUv });
  ctx.log(`authenticatorConfig: alwaysUv ${state.alwaysUv ? "off" : "on"}`);
  return undefined;
}

/**
 * setMinPINLength (section 6.11.4): the minimum only rises; the RP IDs allowed
 * to read it (minPinLength extension) are replaced; the PIN must be changed
 * when asked or when it is now too short, and then every token stops working.
 */
async function setMinPinLength(ctx: AuthenticatorContext, subCommandParams: CborMap | undefined): Promise<undefined> {
  const params = subCommandParams ?? new Map();
  const requested = optionalInteger(params, SetMinPinLengthParam.newMinPINLength, "newMinPINLength");
  const rpIds = optionalArray(params, SetMinPinLengthParam.minPinLengthRPIDs, "minPinLengthRPIDs");
  rpIds?.forEach((rpId) => {
    if (typeof rpId !== "string") throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "minPinLengthRPIDs must be text strings");
  });
  const forceChangePin = optionalBoolean(params, SetMinPinLengthParam.forceChangePin, "forceChangePin") ?? false;

  const state = await loadPinState(ctx);
  const newMinPinLength = requested ?? state.minPinLength;
  if (newMinPinLength < state.minPinLength) {
    throw new CtapError(Status.CTAP2_ERR_PIN_POLICY_VIOLATION, `minPINLength cannot go below ${state.minPinLength}`);
  }
  if (newMinPinLength > LONGEST_PIN) throw new CtapError(Status.CTAP2_ERR_PIN_POLICY_VIOLATION, `no PIN can be ${newMinPinLength} code points long`);
  if (forceChangePin && !state.pinHash) throw new CtapError(Status.CTAP2_ERR_PIN_NOT_SET, "forceChangePin needs a PIN");
  // Without maxRPIDsForSetMinPINLength in getInfo, none are accepted.
  const maxRpIds = ctx.config.extraInfo.get(GetInfoResponse.maxRPIDsForSetMinPINLength);
  if (rpIds && rpIds.length > (typeof maxRpIds === "number" ? maxRpIds : 0)) {
    throw new CtapError(Status.CTAP2_ERR_KEY_STORE_FULL, `more minPinLengthRPIDs than maxRPIDsForSetMinPINLength`);
  }

  // A PIN set before its length was recorded may be shorter than the new minimum: assume it is when the minimum rises.
  const pinTooShort =
    state.pinHash !== undefined && (state.pinCodePoints !== undefined ? state.pinCodePoints < newMinPinLength : newMinPinLength > state.minPinLength);
  const forcePinChange = state.forcePinChange || forceChangePin || pinTooShort;
  await savePinState(ctx, {
    ...state,
    minPinLength: newMinPinLength,
    minPinLengthRpIds: rpIds ? (rpIds as string[]) : state.minPinLengthRpIds,
    forcePinChange,
  });
  // The PIN must change before it verifies the user again: tokens obtained with it stop working.
  if (forceChangePin || pinTooShort) ctx.session.pin.token.reset();
  ctx.log(`authenticatorConfig: minPINLength ${newMinPinLength}${forcePinChange ? ", PIN change required" : ""}`);
  return undefined;
}
