/**
 * authenticatorConfig (0x0D), CTAP 2.2 section 6.11: toggleAlwaysUv,
 * setMinPINLength (with CTAP 2.3's pinComplexityPolicy), enableEnterpriseAttestation
 * on a device configured for enterprise attestation, and vendorPrototype
 * (0xFF, section 6.11.5) for the vendorCommandIds a profile lists in
 * vendorPrototypeConfigCommands. softkey knows no vendor's commands: one a
 * profile lists is accepted behind the acfg token, logged and otherwise does
 * nothing, so a platform's use of the shape can be tested; any other ID is
 * INVALID_PARAMETER. Elsewhere an unsupported subcommand is INVALID_PARAMETER too.
 */
import type { CborMap } from "../../ctap/cbor.js";
import type { AuthenticatorContext } from "../context.js";
import { CtapError, Status } from "../../ctap/status.js";
import { encodeParameters, readRequest } from "../params.js";
import { Permission } from "../../ctap/permissions.js";
import { loadPinState, savePinState } from "../pin/pinState.js";
import { isProtectedByUv } from "./pinUvAuth.js";
import { verifyCommandToken } from "./commandToken.js";
import { enableEnterpriseAttestation, enterpriseAttestationCapable } from "../enterpriseAttestation.js";
import { ConfigRequest, ConfigSubCommand, SetMinPinLengthParams, VendorPrototypeParams, configMessage } from "../../ctap/messages/config.js";

type Handler = (ctx: AuthenticatorContext, subCommandParams: CborMap | undefined) => Promise<undefined>;

const subCommands = new Map<number, Handler>([
  [ConfigSubCommand.enableEnterpriseAttestation, enableEnterpriseAttestation],
  [ConfigSubCommand.toggleAlwaysUv, toggleAlwaysUv],
  [ConfigSubCommand.setMinPINLength, setMinPinLength],
  [ConfigSubCommand.vendorPrototype, vendorPrototype],
]);

/** The subCommands this device implements (getInfo authenticatorConfigCommands, CTAP 2.3). */
export function supportedConfigSubCommands(ctx: AuthenticatorContext): number[] {
  return [...subCommands.keys()].filter((subCommand) => {
    if (subCommand === ConfigSubCommand.enableEnterpriseAttestation) return enterpriseAttestationCapable(ctx);
    if (subCommand === ConfigSubCommand.vendorPrototype) return ctx.config.vendorPrototypeConfigCommands.length > 0;
    return true;
  });
}

export async function authenticatorConfig(params: CborMap, ctx: AuthenticatorContext): Promise<undefined> {
  const { subCommand, subCommandParams, pinUvAuthParam, pinUvAuthProtocol } = readRequest(ConfigRequest, params);
  // Step 1: a subcommand not supported (enterprise attestation on a device not capable of it) is CTAP1_ERR_INVALID_PARAMETER.
  const handler = supportedConfigSubCommands(ctx).includes(subCommand) ? subCommands.get(subCommand) : undefined;
  if (!handler) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `authenticatorConfig subCommand ${subCommand} is not supported`);
  // Steps 2-3: an authenticator protected by a PIN or built-in UV needs a token with the acfg permission;
  // one that is not runs the subcommand as it is (it could not issue a token anyway).
  if (await isProtectedByUv(ctx)) {
    verifyCommandToken(ctx, {
      pinUvAuthParam,
      pinUvAuthProtocol,
      message: configMessage(subCommand, subCommandParams ? encodeParameters(subCommandParams, "subCommandParams") : new Uint8Array(0)),
      permission: Permission.acfg,
      purpose: `authenticatorConfig subCommand ${subCommand}`,
    });
  }
  return handler(ctx, subCommandParams);
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
  const params = readRequest(SetMinPinLengthParams, subCommandParams ?? new Map());
  const requested = params.newMinPINLength;
  const rpIds = params.minPinLengthRPIDs;
  const forceChangePin = params.forceChangePin ?? false;

  const state = await loadPinState(ctx);
  const newMinPinLength = requested ?? state.minPinLength;
  if (newMinPinLength < state.minPinLength) {
    throw new CtapError(Status.CTAP2_ERR_PIN_POLICY_VIOLATION, `minPINLength cannot go below ${state.minPinLength}`);
  }
  if (newMinPinLength > ctx.config.maxPinLength) throw new CtapError(Status.CTAP2_ERR_PIN_POLICY_VIOLATION, `no PIN can be ${newMinPinLength} code points long (maxPINLength ${ctx.config.maxPinLength})`);
  // CTAP 2.3: pinComplexityPolicy turns the policy on, on a device that has one; false changes nothing (only a reset turns it off).
  const complexity = params.pinComplexityPolicy === true;
  if (complexity && !ctx.config.pinComplexityPolicy) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "this authenticator has no PIN complexity policy");
  if (forceChangePin && !state.pinHash) throw new CtapError(Status.CTAP2_ERR_PIN_NOT_SET, "forceChangePin needs a PIN");
  // Without maxRPIDsForSetMinPINLength in getInfo, none are accepted.
  if (rpIds && rpIds.length > (ctx.config.extraInfo.maxRPIDsForSetMinPINLength ?? 0)) {
    throw new CtapError(Status.CTAP2_ERR_KEY_STORE_FULL, `more minPinLengthRPIDs than maxRPIDsForSetMinPINLength`);
  }

  // A PIN set before its length was recorded may be shorter than the new minimum: assume it is when the minimum rises.
  const pinTooShort =
    state.pinHash !== undefined && (state.pinCodePoints !== undefined ? state.pinCodePoints < newMinPinLength : newMinPinLength > state.minPinLength);
  // A PIN set before the policy was on may break it: the PIN must change, as for a PIN too short.
  const policyTurnedOn = complexity && state.pinComplexityPolicy !== true && !ctx.config.pinComplexityPolicy!.enabled && state.pinHash !== undefined;
  const forcePinChange = state.forcePinChange || forceChangePin || pinTooShort || policyTurnedOn;
  await savePinState(ctx, {
    ...state,
    minPinLength: newMinPinLength,
    minPinLengthRpIds: rpIds ?? state.minPinLengthRpIds,
    forcePinChange,
    ...(complexity ? { pinComplexityPolicy: true } : {}),
  });
  // The PIN must change before it verifies the user again: tokens obtained with it stop working.
  // The persistent token stays: only a PIN change and a reset end it (changePIN step 20).
  if (forceChangePin || pinTooShort || policyTurnedOn) ctx.session.pin.token.reset();
  ctx.log(`authenticatorConfig: minPINLength ${newMinPinLength}${forcePinChange ? ", PIN change required" : ""}`);
  return undefined;
}

/** vendorPrototype (section 6.11.5): a vendorCommandId the profile lists runs (and does nothing else); others are INVALID_PARAMETER. */
async function vendorPrototype(ctx: AuthenticatorContext, subCommandParams: CborMap | undefined): Promise<undefined> {
  const { vendorCommandId } = readRequest(VendorPrototypeParams, subCommandParams ?? new Map(), "subCommandParams.");
  if (!ctx.config.vendorPrototypeConfigCommands.includes(vendorCommandId)) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `vendorCommandId ${vendorCommandId} is not in vendorPrototypeConfigCommands`);
  }
  ctx.log(`authenticatorConfig: vendor command ${vendorCommandId}`);
  return undefined;
}
