/**
 * authenticatorGetInfo (0x04), CTAP 2.1 section 6.4: advertises exactly what
 * this authenticator implements, nothing more.
 */
import type { AuthenticatorContext } from "../context.js";
import { loadPinState } from "../pin/pinState.js";
import { extensionNames } from "../extensions/index.js";
import { enterpriseAttestationCapable, enterpriseAttestationEnabled } from "../enterpriseAttestation.js";
import { Response } from "../../ctap/messages/getInfo.js";

export async function getInfo(_params: unknown, ctx: AuthenticatorContext): Promise<Map<number, unknown>> {
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
  const info = new Map<number, unknown>([
    // "U2F_V2" only while CTAP1/U2F answers: offered by the profile, and off under alwaysUv (src/authenticator/u2f/u2fHandler.ts).
    [Response.versions, config.versions.filter((v) => v !== "U2F_V2" || (config.u2f && !pin.alwaysUv))],
    [Response.aaguid, config.aaguid],
    [Response.options, options],
    [Response.maxMsgSize, config.maxMsgSize],
    [Response.pinUvAuthProtocols, ctx.session.pin.versions],
    [Response.maxCredentialCountInList, config.maxCredentialCountInList],
    [Response.maxCredentialIdLength, config.maxCredentialIdLength],
    [Response.transports, [...config.transports]],
    [Response.algorithms, config.algorithms.map((alg) => new Map<string, unknown>([["alg", alg], ["type", "public-key"]]))],
    [Response.minPINLength, pin.minPinLength],
    [Response.firmwareVersion, config.firmwareVersion],
    [Response.remainingDiscoverableCredentials, Math.max(0, config.maxDiscoverableCredentials - discoverable)],
  ]);
  const extensions = extensionNames(config.extensions);
  if (extensions.length > 0) info.set(Response.extensions, extensions);
  if (pin.forcePinChange) info.set(Response.forcePINChange, true);
  for (const [key, value] of config.extraInfo) info.set(key, value);
  return info;
}
