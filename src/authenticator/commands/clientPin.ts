/**
 * authenticatorClientPIN (0x06), CTAP 2.1 section 6.5.5: PIN retries, key
 * agreement, setting and changing the PIN, and handing out pinUvAuthTokens
 * with permissions, from the PIN or from built-in user verification.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { CborMap } from "../../ctap/cbor.js";
import type { AuthenticatorContext } from "../context.js";
import type { CtapRequestContext } from "../../ctap/transport.js";
import { CtapError, Status } from "../../ctap/status.js";
import { need, readRequest, type ResponseMap } from "../params.js";
import { loadPinState, savePinState } from "../pin/pinState.js";
import { MAX_PIN_RETRIES, MAX_UV_RETRIES, MISMATCHES_BEFORE_POWER_CYCLE, type StoredPinState } from "../pin/pinRuntime.js";
import type { PinUvAuthProtocol } from "../../ctap/pinUvAuthProtocol.js";
import { DEFINED_PERMISSIONS, Permission } from "../../ctap/permissions.js";
import type { PresencePurpose } from "../../presence/presence.js";
import { performBuiltInUv } from "../userPresence.js";
import { ClientPinRequest, ClientPinResponse, ClientPinSubCommand } from "../../ctap/messages/clientPin.js";
import { checkNewPin, codePointLength } from "../pin/pinPolicy.js";
import { grantPersistentToken, resetPersistentToken } from "../pin/persistentToken.js";
import { builtInUvConfigured } from "../bio/templates.js";

/**
 * The getInfo option each permission needs (CTAP 2.2 section 6.5.5.7.2 step 4 for a token from the
 * PIN, 6.5.5.7.3 step 4 for one from built-in UV); mc and ga need none (no noMcGaPermissionsWithClientPin).
 */
const PERMISSION_OPTIONS: readonly { permission: number; name: string; pin: string; uv: string }[] = [
  { permission: Permission.cm, name: "cm", pin: "credMgmt", uv: "credMgmt" },
  { permission: Permission.be, name: "be", pin: "bioEnroll", uv: "uvBioEnroll" },
  { permission: Permission.lbw, name: "lbw", pin: "largeBlobs", uv: "largeBlobs" },
  { permission: Permission.acfg, name: "acfg", pin: "authnrCfg", uv: "uvAcfg" },
  { permission: Permission.pcmr, name: "pcmr", pin: "perCredMgmtRO", uv: "perCredMgmtRO" },
];

type Handler = (input: ClientPinRequest, ctx: AuthenticatorContext, request: CtapRequestContext) => Promise<ClientPinResponse | undefined>;

const subCommands = new Map<number, Handler>([
  [ClientPinSubCommand.getPINRetries, getPinRetries],
  [ClientPinSubCommand.getKeyAgreement, getKeyAgreement],
  [ClientPinSubCommand.setPIN, setPin],
  [ClientPinSubCommand.changePIN, changePin],
  [ClientPinSubCommand.getPinToken, getPinToken],
  [ClientPinSubCommand.getPinUvAuthTokenUsingUvWithPermissions, getPinUvAuthTokenUsingUv],
  [ClientPinSubCommand.getUVRetries, getUvRetries],
  [ClientPinSubCommand.getPinUvAuthTokenUsingPinWithPermissions, getPinUvAuthTokenUsingPin],
]);

export async function clientPin(params: CborMap, ctx: AuthenticatorContext, request: CtapRequestContext): Promise<ResponseMap | undefined> {
  const input = readRequest(ClientPinRequest, params);
  const handler = subCommands.get(input.subCommand);
  if (!handler) throw new CtapError(Status.CTAP2_ERR_INVALID_SUBCOMMAND, `unknown clientPIN subCommand ${input.subCommand}`);
  const response = await handler(input, ctx, request);
  return response && ClientPinResponse.encodeMap(response);
}

/** The protocol named in the request: missing is MISSING_PARAMETER, unsupported INVALID_PARAMETER. */
export function selectProtocol(ctx: AuthenticatorContext, version: number | undefined): PinUvAuthProtocol {
  if (version === undefined) throw new CtapError(Status.CTAP2_ERR_MISSING_PARAMETER, "pinUvAuthProtocol is required");
  const protocol = ctx.session.pin.protocols.get(version);
  if (!protocol) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `pinUvAuthProtocol ${version} is not supported`);
  return protocol;
}

function protocolOf(input: ClientPinRequest, ctx: AuthenticatorContext): PinUvAuthProtocol {
  return selectProtocol(ctx, input.pinUvAuthProtocol);
}

async function getPinRetries(_input: ClientPinRequest, ctx: AuthenticatorContext): Promise<ClientPinResponse> {
  const state = await loadPinState(ctx);
  return { pinRetries: state.pinRetries, powerCycleState: ctx.session.pin.consecutiveMismatches >= MISMATCHES_BEFORE_POWER_CYCLE };
}

async function getUvRetries(_input: ClientPinRequest, ctx: AuthenticatorContext): Promise<ClientPinResponse> {
  if (!ctx.presence.builtInUv) throw new CtapError(Status.CTAP2_ERR_NOT_ALLOWED, "no built-in user verification");
  return { uvRetries: (await loadPinState(ctx)).uvRetries };
}

async function getKeyAgreement(input: ClientPinRequest, ctx: AuthenticatorContext): Promise<ClientPinResponse> {
  return { keyAgreement: protocolOf(input, ctx).getPublicKey() };
}

async function setPin(input: ClientPinRequest, ctx: AuthenticatorContext): Promise<undefined> {
  const protocol = protocolOf(input, ctx);
  const keyAgreement = need(input.keyAgreement, "keyAgreement");
  const pinUvAuthParam = need(input.pinUvAuthParam, "pinUvAuthParam");
  const newPinEnc = need(input.newPinEnc, "newPinEnc");
  const state = await loadPinState(ctx);
  if (state.pinHash) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, "a PIN is already set: use changePIN");
  const shared = protocol.decapsulate(keyAgreement);
  if (!protocol.verify(shared, newPinEnc, pinUvAuthParam)) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, "pinUvAuthParam does not verify");
  const pin = decryptNewPin(ctx, protocol, shared, newPinEnc, state);
  await savePinState(ctx, { ...state, pinHash: pinHash(pin), pinCodePoints: codePointLength(pin), pinRetries: MAX_PIN_RETRIES, forcePinChange: false });
  ctx.log("clientPIN: PIN set");
  return undefined;
}

async function changePin(input: ClientPinRequest, ctx: AuthenticatorContext): Promise<undefined> {
  const protocol = protocolOf(input, ctx);
  const keyAgreement = need(input.keyAgreement, "keyAgreement");
  const pinHashEnc = need(input.pinHashEnc, "pinHashEnc");
  const newPinEnc = need(input.newPinEnc, "newPinEnc");
  const pinUvAuthParam = need(input.pinUvAuthParam, "pinUvAuthParam");
  const state = await loadPinState(ctx);
  if (!state.pinHash) throw new CtapError(Status.CTAP2_ERR_PIN_NOT_SET, "no PIN is set");
  assertPinUsable(ctx, state);
  const shared = protocol.decapsulate(keyAgreement);
  const message = new Uint8Array(newPinEnc.length + pinHashEnc.length);
  message.set(newPinEnc, 0);
  message.set(pinHashEnc, newPinEnc.length);
  if (!protocol.verify(shared, message, pinUvAuthParam)) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, "pinUvAuthParam does not verify");
  const verified = await verifyPinHash(ctx, protocol, shared, pinHashEnc, state);
  const pin = decryptNewPin(ctx, protocol, shared, newPinEnc, verified);
  if (verified.forcePinChange && timingSafeEqual(pinHash(pin), verified.pinHash!)) {
    throw new CtapError(Status.CTAP2_ERR_PIN_POLICY_VIOLATION, "the new PIN must differ from the current one");
  }
  await savePinState(ctx, { ...verified, pinHash: pinHash(pin), pinCodePoints: codePointLength(pin), forcePinChange: false });
  ctx.session.pin.token.reset();
  // Step 20: resetPersistentPinUvAuthToken(): a PIN change ends the persistent token's pcmr too.
  await resetPersistentToken(ctx);
  ctx.log("clientPIN: PIN changed");
  return undefined;
}

/**
 * Legacy getPinToken (0x05, CTAP 2.2 section 6.5.5.7.1): a token with the mc and ga permissions and
 * no RP ID. It takes no permissions or rpId (steps 3-4), and under forcePINChange it answers
 * PIN_INVALID (step 11), not getPinUvAuthTokenUsingPinWithPermissions' PIN_POLICY_VIOLATION.
 */
async function getPinToken(input: ClientPinRequest, ctx: AuthenticatorContext): Promise<ClientPinResponse> {
  protocolOf(input, ctx);
  if (input.permissions !== undefined) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "getPinToken takes no permissions");
  if (input.rpId !== undefined) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "getPinToken takes no rpId");
  return issueTokenWithPin(input, ctx, Permission.mc | Permission.ga, undefined, Status.CTAP2_ERR_PIN_INVALID);
}

async function getPinUvAuthTokenUsingPin(input: ClientPinRequest, ctx: AuthenticatorContext): Promise<ClientPinResponse> {
  const { permissions, rpId } = requestedPermissions(input, ctx, "pin");
  return issueTokenWithPin(input, ctx, permissions, rpId, Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
}

/**
 * getPinUvAuthTokenUsingUvWithPermissions (CTAP 2.2 section 6.5.5.7.3). A blocked sensor is
 * UV_BLOCKED before the user is asked (step 7); a finger that does not match is UV_INVALID, or
 * UV_BLOCKED when it spent the last retry (step 10); a refusal is OPERATION_DENIED and spends nothing.
 */
async function getPinUvAuthTokenUsingUv(input: ClientPinRequest, ctx: AuthenticatorContext, request: CtapRequestContext): Promise<ClientPinResponse> {
  const protocol = protocolOf(input, ctx);
  const keyAgreement = need(input.keyAgreement, "keyAgreement");
  const { permissions, rpId } = requestedPermissions(input, ctx, "uv");
  // A fingerprint key with no template enrolled has built-in UV "not configured" (getInfo uv false).
  if (!(await builtInUvConfigured(ctx))) throw new CtapError(Status.CTAP2_ERR_NOT_ALLOWED, "built-in user verification is absent or not configured");
  const shared = protocol.decapsulate(keyAgreement);
  const result = await performBuiltInUv(ctx, { purpose: uvPurpose(permissions), rpId }, request);
  if (result === "blocked") throw new CtapError(Status.CTAP2_ERR_UV_BLOCKED, "built-in user verification is blocked");
  if (result === "failed") {
    const { uvRetries } = await loadPinState(ctx);
    throw new CtapError(uvRetries === 0 ? Status.CTAP2_ERR_UV_BLOCKED : Status.CTAP2_ERR_UV_INVALID, `built-in user verification failed, ${uvRetries} retries left`);
  }
  // Built-in UV includes the user's gesture, so the token also carries user presence (step 13).
  return issueToken(ctx, protocol, shared, permissions, rpId, true);
}

/** What the user is told a built-in UV token is for: the ceremony its permissions allow, when there is one. */
function uvPurpose(permissions: number): PresencePurpose {
  if (permissions & Permission.mc) return "makeCredential";
  if (permissions & Permission.ga) return "getAssertion";
  if (permissions & Permission.cm) return "credentialManagement";
  return "userVerification";
}

/**
 * Steps 3-4 of both ...WithPermissions subcommands: 0 is INVALID_PARAMETER; a defined permission whose
 * getInfo option is absent or false is UNAUTHORIZED_PERMISSION; undefined bits are ignored, and left out of the token.
 */
function requestedPermissions(input: ClientPinRequest, ctx: AuthenticatorContext, via: "pin" | "uv"): { permissions: number; rpId: string | undefined } {
  const requested = need(input.permissions, "permissions");
  const rpId = input.rpId;
  if (requested === 0) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "permissions must not be empty");
  const offered = ctx.config.optionalFeatures;
  for (const { permission, name, pin, uv } of PERMISSION_OPTIONS) {
    const option = via === "pin" ? pin : uv;
    if ((requested & permission) !== 0 && !offered.includes(option)) {
      throw new CtapError(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION, `the ${name} permission needs getInfo option ${option}, which this authenticator does not offer`);
    }
  }
  const permissions = requested & DEFINED_PERMISSIONS;
  // pcmr comes alone: "any other pinUvAuthToken permission is requested" is UNAUTHORIZED_PERMISSION too (step 4).
  if ((permissions & Permission.pcmr) !== 0 && permissions !== Permission.pcmr) {
    throw new CtapError(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION, "pcmr cannot be combined with another permission");
  }
  if ((permissions & (Permission.mc | Permission.ga)) !== 0 && rpId === undefined) {
    throw new CtapError(Status.CTAP2_ERR_MISSING_PARAMETER, "the mc and ga permissions need an rpId");
  }
  return { permissions, rpId };
}

async function issueTokenWithPin(
  input: ClientPinRequest,
  ctx: AuthenticatorContext,
  permissions: number,
  rpId: string | undefined,
  forcePinChangeStatus: number,
): Promise<ClientPinResponse> {
  const protocol = protocolOf(input, ctx);
  const keyAgreement = need(input.keyAgreement, "keyAgreement");
  const pinHashEnc = need(input.pinHashEnc, "pinHashEnc");
  const state = await loadPinState(ctx);
  if (!state.pinHash) throw new CtapError(Status.CTAP2_ERR_PIN_NOT_SET, "no PIN is set");
  assertPinUsable(ctx, state);
  const shared = protocol.decapsulate(keyAgreement);
  const verified = await verifyPinHash(ctx, protocol, shared, pinHashEnc, state);
  if (verified.forcePinChange) throw new CtapError(forcePinChangeStatus, "the PIN must be changed first (forcePINChange)");
  return issueToken(ctx, protocol, shared, permissions, rpId, false);
}

/**
 * Steps 12-17 (PIN) and 11-16 (built-in UV): pcmr alone is the persistent token, handed out as it is (the
 * regular token is left alone); anything else replaces the regular token.
 */
async function issueToken(
  ctx: AuthenticatorContext,
  protocol: PinUvAuthProtocol,
  shared: Uint8Array,
  permissions: number,
  rpId: string | undefined,
  userPresent: boolean,
): Promise<ClientPinResponse> {
  if (permissions === Permission.pcmr) return { pinUvAuthToken: protocol.encrypt(shared, await grantPersistentToken(ctx)) };
  const token = ctx.session.pin.token;
  token.reset();
  token.beginUsing(ctx.now(), permissions, rpId, userPresent);
  return { pinUvAuthToken: protocol.encrypt(shared, token.valueFor(protocol)) };
}

function assertPinUsable(ctx: AuthenticatorContext, state: StoredPinState): void {
  if (state.pinRetries <= 0) throw new CtapError(Status.CTAP2_ERR_PIN_BLOCKED, "the PIN is blocked: reset the authenticator");
  if (ctx.session.pin.consecutiveMismatches >= MISMATCHES_BEFORE_POWER_CYCLE) {
    throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_BLOCKED, "three wrong PINs in a row: power-cycle the authenticator");
  }
}

/**
 * Checks pinHashEnc against the stored hash (CTAP 2.1 section 6.5.5.5 step 6):
 * the retry counter goes down, durably, before the comparison, so pulling the
 * plug mid-guess never earns a free attempt.
 */
async function verifyPinHash(
  ctx: AuthenticatorContext,
  protocol: PinUvAuthProtocol,
  shared: Uint8Array,
  pinHashEnc: Uint8Array,
  state: StoredPinState,
): Promise<StoredPinState> {
  const pin = ctx.session.pin;
  const decremented = { ...state, pinRetries: state.pinRetries - 1 };
  await savePinState(ctx, decremented);
  const given = protocol.decrypt(shared, pinHashEnc);
  const matches = given !== undefined && given.length === 16 && timingSafeEqual(given, state.pinHash!);
  if (!matches) {
    for (const p of pin.protocols.values()) p.regenerate();
    pin.consecutiveMismatches++;
    if (decremented.pinRetries <= 0) throw new CtapError(Status.CTAP2_ERR_PIN_BLOCKED, "wrong PIN; the PIN is now blocked");
    if (pin.consecutiveMismatches >= MISMATCHES_BEFORE_POWER_CYCLE) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_BLOCKED, "wrong PIN, three times in a row");
    throw new CtapError(Status.CTAP2_ERR_PIN_INVALID, `wrong PIN, ${decremented.pinRetries} retries left`);
  }
  pin.consecutiveMismatches = 0;
  // uvCountSinceLastPinEntry starts over (getInfo 0x17, CTAP 2.2).
  pin.uvCountSinceLastPinEntry = 0;
  // "Each correct PIN entry resets the pinRetries and the uvRetries counters back to their maximum values" (section 6.5.2.2).
  const restored = { ...state, pinRetries: MAX_PIN_RETRIES, uvRetries: MAX_UV_RETRIES };
  await savePinState(ctx, restored);
  return restored;
}

/** newPinEnc decrypts to 64 bytes: the PIN's UTF-8, then zero padding (CTAP 2.1 section 6.5.5.5); pinPolicy.ts says which PINs are allowed. */
function decryptNewPin(ctx: AuthenticatorContext, protocol: PinUvAuthProtocol, shared: Uint8Array, newPinEnc: Uint8Array, state: StoredPinState): Uint8Array {
  const padded = protocol.decrypt(shared, newPinEnc);
  if (!padded || padded.length !== 64) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "newPinEnc must hold 64 bytes");
  let end = padded.indexOf(0);
  if (end === -1) end = padded.length;
  const pin = padded.subarray(0, end);
  checkNewPin(ctx, pin, state);
  return pin;
}

function pinHash(pin: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(pin).digest().subarray(0, 16));
}
