/**
 * authenticatorGetInfo (0x04), CTAP 2.1 section 6.4: advertises exactly what
 * this authenticator implements, nothing more.
 */
import type { AuthenticatorContext } from "../context.js";
import { loadPinState } from "../pin/pinState.js";
import { extensionNames } from "../extensions/index.js";
import { enterpriseAttestationCapable, enterpriseAttestationEnabled } from "../enterpriseAttestation.js";
import { GetInfoResponse } from "../../ctap/messages/getInfo.js";
import type { ResponseMap } from "../params.js";

export async function getInfo(_params: unknown, ctx: AuthenticatorContext): Promise<ResponseMap> {
  const { config, presence } = ctx;
  const pin = await loadPinState(ctx);
  const options = new Map<string, boolean>([
    ["rk", config.residentKeys],
    ["up", true],
    ["plat", config.platformDevice],
    // false: ClientPIN is supported but no PIN is set yet.
    ["clientPin", pin.pinHash !== undefined],
    ["pinUvAuthToken", true],
    ["makeCredUvNotRqd", !pin.alwaysUv],
    ["alwaysUv", pin.alwaysUv],
  ]);
  // "uv" present means built-in UV exists; true means it is configured (CTAP 2.1 section 6.4 options).
  if (presence.builtInUv) options.set("uv", true);
  for (const feature of config.optionalFeatures) options.set(feature, true);
  // "ep" present means enterprise attestation capable; true means enabled (authenticatorConfig 0x01).
  if (enterpriseAttestationCapable(ctx)) options.set("ep", await enterpriseAttestationEnabled(ctx));
  const { discoverable } = await ctx.store.countCredentials();
  const extensions = extensionNames(config.extensions);
  const info: GetInfoResponse = {
    // "U2F_V2" only while CTAP1/U2F answers: offered by the profile, and off under alwaysUv (src/authenticator/u2f/u2fHandler.ts).
    versions: config.versions.filter((v) => v !== "U2F_V2" || (config.u2f && !pin.alwaysUv)),
    ...(extensions.length > 0 ? { extensions } : {}),
    aaguid: config.aaguid,
    options,
    maxMsgSize: config.maxMsgSize,
    pinUvAuthProtocols: ctx.session.pin.versions,
    maxCredentialCountInList: config.maxCredentialCountInList,
    maxCredentialIdLength: config.maxCredentialIdLength,
    transports: [...config.transports],
    algorithms: config.algorithms.map((alg) => ({ type: "public-key", alg })),
    ...(pin.forcePinChange ? { forcePINChange: true } : {}),
    minPINLength: pin.minPinLength,
    firmwareVersion: config.firmwareVersion,
    remainingDiscoverableCredentials: Math.max(0, config.maxDiscoverableCredentials - discoverable),
    ...config.extraInfo,
  };
  return GetInfoResponse.encodeMap(info);
}
