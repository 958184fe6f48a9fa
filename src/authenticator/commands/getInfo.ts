/**
 * authenticatorGetInfo (0x04), CTAP 2.2 section 6.4: advertises exactly what
 * this authenticator implements, nothing more. The members CTAP 2.2 added
 * (0x15-0x1D) appear only on a device that claims FIDO_2_2, and CTAP 2.3's
 * (0x1E, 0x1F) only on one that claims FIDO_2_3, so a profile of a 2.1 key
 * answers as that key does.
 */
import type { AuthenticatorContext } from "../context.js";
import { loadPinState } from "../pin/pinState.js";
import type { StoredPinState } from "../pin/pinRuntime.js";
import { pinComplexityPolicyOn } from "../pin/pinPolicy.js";
import { encryptedMember } from "../pin/persistentToken.js";
import { extensionNames } from "../extensions/index.js";
import { enterpriseAttestationCapable, enterpriseAttestationEnabled } from "../enterpriseAttestation.js";
import { claimsCtap22, claimsCtap23 } from "../deviceConfig.js";
import { builtInUvConfigured, loadTemplates } from "../bio/templates.js";
import { supportedConfigSubCommands } from "./config.js";
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
  // "uv" present means built-in UV exists; true means it is configured: on a fingerprint key, once a template is enrolled.
  if (presence.builtInUv) options.set("uv", await builtInUvConfigured(ctx));
  for (const feature of config.optionalFeatures) options.set(feature, true);
  if (config.fingerprint) {
    // bioEnroll: true once a template is enrolled, false before (section 6.4); the prototype's name for FIDO_2_1_PRE clients.
    const enrolled = (await loadTemplates(ctx)).length > 0;
    options.set("bioEnroll", enrolled);
    if (config.versions.includes("FIDO_2_1_PRE")) options.set("userVerificationMgmtPreview", enrolled);
  }
  // "ep" present means enterprise attestation capable; true means enabled (authenticatorConfig 0x01).
  if (enterpriseAttestationCapable(ctx)) options.set("ep", await enterpriseAttestationEnabled(ctx));
  const { discoverable } = await ctx.store.countCredentials();
  const extensions = extensionNames(config.extensions, config);
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
    ...(config.fingerprint ? { preferredPlatformUvAttempts: config.fingerprint.preferredPlatformUvAttempts, uvModality: config.fingerprint.uvModality } : {}),
    remainingDiscoverableCredentials: Math.max(0, config.maxDiscoverableCredentials - discoverable),
    ...config.extraInfo,
    ...(await ctap22Members(ctx, pin)),
  };
  return GetInfoResponse.encodeMap(info);
}

/** getInfo 0x15-0x1F, each reported only where the behaviour behind it exists. */
async function ctap22Members(ctx: AuthenticatorContext, pin: StoredPinState): Promise<Partial<GetInfoResponse>> {
  const { config } = ctx;
  if (!claimsCtap22(config)) return {};
  const members: Partial<GetInfoResponse> = {
    attestationFormats: [...config.attestationFormats],
    maxPINLength: config.maxPinLength,
  };
  if (config.vendorPrototypeConfigCommands.length > 0) members.vendorPrototypeConfigCommands = [...config.vendorPrototypeConfigCommands];
  // Counted by performBuiltInUv, restarted by a correct PIN (clientPin.ts) and by a power cycle.
  if (ctx.presence.builtInUv) members.uvCountSinceLastPinEntry = ctx.session.pin.uvCountSinceLastPinEntry;
  if (config.longTouchForReset) members.longTouchForReset = true;
  if (config.transportsForReset) members.transportsForReset = [...config.transportsForReset];
  if (config.pinComplexityPolicy) {
    members.pinComplexityPolicy = pinComplexityPolicyOn(ctx, pin);
    if (config.pinComplexityPolicy.url !== undefined) members.pinComplexityPolicyURL = new Uint8Array(Buffer.from(config.pinComplexityPolicy.url, "utf8"));
  }
  // The encrypted members need the persistent token, which only a device with perCredMgmtRO hands out.
  const persistentToken = config.optionalFeatures.includes("perCredMgmtRO");
  if (persistentToken) members.encIdentifier = await encryptedMember(ctx, "encIdentifier");
  if (claimsCtap23(config)) {
    if (persistentToken) members.encCredStoreState = await encryptedMember(ctx, "encCredStoreState");
    if (config.optionalFeatures.includes("authnrCfg")) members.authenticatorConfigCommands = supportedConfigSubCommands(ctx);
  }
  return members;
}
