/**
 * authenticatorMakeCredential (0x01), CTAP 2.1 section 6.1: a new key pair for
 * one relying party, stored only after every check passed and presence was given.
 */
import type { CborMap } from "../../ctap/cbor.js";
import type { AuthenticatorContext } from "../context.js";
import type { CtapRequestContext } from "../../ctap/transport.js";
import type { PresenceRequest } from "../../presence/presence.js";
import { CtapError, Status } from "../../ctap/status.js";
import { readRequest, type ResponseMap } from "../params.js";
import { encodeAuthenticatorData } from "../../ctap/authenticatorData.js";
import { collectUserPresence } from "../userPresence.js";
import { initialSignCount } from "../signCount.js";
import { planAttestation } from "../attestation.js";
import { enterpriseAttestationGranted } from "../enterpriseAttestation.js";
import type { CredentialRecord, StoredUser } from "../store.js";
import { isProtectedByUv, verifyPinUvAuthParam, verifyWithBuiltInUv } from "./pinUvAuth.js";
import { Permission } from "../../ctap/permissions.js";
import { processMakeCredentialExtensions } from "../extensions/index.js";
import { loadPinState } from "../pin/pinState.js";
import { CredProtect } from "../../ctap/credProtect.js";
import { credProtectLevel } from "../extensions/credProtectLevel.js";
import { MakeCredentialRequest, MakeCredentialResponse } from "../../ctap/messages/makeCredential.js";
import type { CredentialParameters } from "../../ctap/messages/entities.js";
import type { AttestationFormatName } from "../deviceConfig.js";
import { credentialStoreChanged } from "../pin/persistentToken.js";
import { builtInUvConfigured } from "../bio/templates.js";

export async function makeCredential(
  params: CborMap,
  ctx: AuthenticatorContext,
  request: CtapRequestContext,
): Promise<ResponseMap> {
  const input = readRequest(MakeCredentialRequest, params);
  const { clientDataHash, extensions, pinUvAuthParam, pinUvAuthProtocol } = input;
  const rpId = input.rp.id;
  const rpName = input.rp.name;
  const user: StoredUser = { id: input.user.id, name: input.user.name, displayName: input.user.displayName };
  if (user.id.length > 64) throw new CtapError(Status.CTAP1_ERR_INVALID_LENGTH, "user.id is longer than 64 bytes");
  const alg = chooseAlgorithm(input.pubKeyCredParams, ctx);
  // Descriptors of a type other than "public-key" are ignored.
  const excludeList = (input.excludeList ?? []).filter((d) => d.type === "public-key").map((d) => d.id);
  const options = input.options ?? new Map<string, boolean>();
  // Step 9: INVALID_PARAMETER unless enterprise attestation is enabled (see enterpriseAttestation.ts).
  const enterpriseAttestation = input.enterpriseAttestation;
  const enterprise = enterpriseAttestation !== undefined && (await enterpriseAttestationGranted(ctx, enterpriseAttestation, rpId));
  const rpIdHash = ctx.rpIdHash(rpId);
  const ask = { purpose: "makeCredential" as const, rpId, userName: user.name, userDisplayName: user.displayName };
  const tokenAuth = await verifyPinUvAuthParam(ctx, request, {
    pinUvAuthParam,
    pinUvAuthProtocol,
    clientDataHash,
    permission: Permission.mc,
    rpId,
    purpose: "makeCredential",
  });

  // Options (step 5): rk needs resident key support, up may not be false, uv needs built-in UV.
  const rk = options.get("rk") ?? false;
  if (rk && !ctx.config.residentKeys) throw new CtapError(Status.CTAP2_ERR_UNSUPPORTED_OPTION, "this device has no discoverable credentials");
  if (options.get("up") === false) throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, "up=false is not allowed in makeCredential");
  // With a pinUvAuthParam the token already verified the user, and "uv" is ignored.
  // verifyBuiltIn: the key verifies the user itself (the "uv" option, or alwaysUv on a key with built-in UV).
  let verifyBuiltIn = !tokenAuth && (options.get("uv") ?? false);
  if (verifyBuiltIn && !(await builtInUvConfigured(ctx))) {
    throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, "uv requested but the authenticator has no built-in user verification");
  }
  if (!tokenAuth && !verifyBuiltIn) verifyBuiltIn = await requireUserVerification(ctx, rk);

  let userVerified = tokenAuth?.userVerified ?? false;
  if (verifyBuiltIn) {
    await verifyWithBuiltInUv(ctx, ask, request);
    userVerified = true;
  }
  // Built-in UV (directly or behind the token) includes the user's gesture.
  const presenceGiven = verifyBuiltIn || (tokenAuth?.userPresent ?? false);

  // excludeList (step 12.1): a match waits for the user's touch, then answers CREDENTIAL_EXCLUDED whether the
  // user touched, refused or let it time out, so the platform learns nothing without a gesture.
  // A credProtect userVerificationRequired credential only counts when the user is verified.
  for (const id of excludeList) {
    const excluded = await ctx.store.getCredential(rpIdHash, id);
    if (excluded && (userVerified || credProtectLevel(excluded) < CredProtect.userVerificationRequired)) {
      if (!presenceGiven) await presenceTestBeforeExclusion(ctx, ask, request);
      throw new CtapError(Status.CTAP2_ERR_CREDENTIAL_EXCLUDED, "a credential in excludeList exists for this RP");
    }
  }

  // Presence is collected now unless already given (step 14); a used token loses its UP, UV and permissions but lbw.
  if (!presenceGiven) await collectUserPresence(ctx, ask, request);
  if (tokenAuth) ctx.session.pin.token.clearAfterUse();

  const replaced = rk ? await makeRoomForDiscoverable(ctx, rpIdHash, user.id) : undefined;

  // Random, or derived from the seed in deterministic mode (ctx.keys).
  const { id, keyPair, signingKey } = await ctx.keys.create({ alg, rpId, userId: user.id });
  const record: CredentialRecord = {
    id,
    rpId,
    rpIdHash,
    rpName,
    user: rk ? user : { id: user.id },
    discoverable: rk,
    alg,
    privateKey: keyPair.privateKey,
    publicKey: keyPair.publicKey,
    createdAt: ctx.now(),
    backupEligible: ctx.config.backupEligible,
    backupState: ctx.config.backupState,
  };
  const extensionResults = await processMakeCredentialExtensions(extensions, { ctx, record, userVerified, pinUvAuthProtocol });
  const attestationPlan = await planAttestation(ctx, { alg, enterprise, format: preferredFormat(ctx, input.attestationFormatsPreference) });
  const authData = encodeAuthenticatorData({
    rpIdHash,
    userPresent: true,
    userVerified,
    backupEligible: record.backupEligible,
    backupState: record.backupState,
    signCount: await initialSignCount(ctx),
    attestedCredentialData: { aaguid: attestationPlan.aaguid, credentialId: record.id, credentialPublicKey: keyPair.publicKey },
    extensions: extensionResults.authData,
  });
  const attestation = attestationPlan.attest({
    authData,
    clientDataHash,
    rpIdHash,
    credentialId: record.id,
    credentialPublicKey: keyPair.publicKey,
    credentialKey: signingKey,
    alg,
  });

  // Stored last, in one batch: a failure above leaves nothing behind.
  await ctx.store.putCredential(record, 0, { newId: true });
  if (replaced) await ctx.store.deleteCredential(replaced);
  // encCredStoreState (CTAP 2.3) follows the discoverable credentials, the ones credential management shows.
  if (rk) await credentialStoreChanged(ctx);
  ctx.log(`makeCredential ${rpId}${rk ? " (discoverable)" : ""}`);
  return MakeCredentialResponse.encodeMap({
    fmt: attestation.fmt,
    authData,
    attStmt: attestation.attStmt,
    ...(attestationPlan.enterprise ? { epAtt: true } : {}),
    ...extensionResults.unsigned,
  });
}

/**
 * Steps 6-8, for a request with neither a pinUvAuthParam nor the "uv" option: whether the key verifies
 * the user itself (true), lets the request through unverified (false), or refuses it. Under alwaysUv
 * (step 6) a key with built-in UV treats "uv" as true; one with no form of UV, or only a PIN, answers
 * PUAT_REQUIRED (softkey always offers clientPin). Otherwise (step 7, makeCredUvNotRqd) a discoverable
 * credential on a protected key needs UV: PUAT_REQUIRED when a PIN is set, so the platform uses it;
 * OPERATION_DENIED on a key with built-in UV and no PIN, which cannot verify a user the platform did not
 * ask it to.
 */
async function requireUserVerification(ctx: AuthenticatorContext, rk: boolean): Promise<boolean> {
  const { alwaysUv, pinHash } = await loadPinState(ctx);
  if (alwaysUv) {
    if (await builtInUvConfigured(ctx)) return true;
    throw new CtapError(Status.CTAP2_ERR_PUAT_REQUIRED, "alwaysUv is on: user verification is required");
  }
  if (rk && (await isProtectedByUv(ctx))) {
    if (pinHash) throw new CtapError(Status.CTAP2_ERR_PUAT_REQUIRED, "a discoverable credential needs user verification: a pinUvAuthParam");
    throw new CtapError(Status.CTAP2_ERR_OPERATION_DENIED, "a discoverable credential needs user verification, and the request asked for none");
  }
  return false;
}

/** The excludeList's presence test (step 12.1.4): its outcome does not matter, only that the user was asked; a host cancel still ends it. */
async function presenceTestBeforeExclusion(ctx: AuthenticatorContext, ask: Omit<PresenceRequest, "signal">, request: CtapRequestContext): Promise<void> {
  try {
    await collectUserPresence(ctx, ask, request);
  } catch (error) {
    if (error instanceof CtapError && error.status === Status.CTAP2_ERR_KEEPALIVE_CANCEL) throw error;
  }
}

/**
 * attestationFormatsPreference (CTAP 2.2 section 6.1 step 20): the first format the device supports
 * (getInfo attestationFormats) wins; none supported, or no list, leaves the device's own choice.
 */
function preferredFormat(ctx: AuthenticatorContext, preference: string[] | undefined): AttestationFormatName | undefined {
  if (!preference) return undefined;
  return preference.find((format): format is AttestationFormatName => (ctx.config.attestationFormats as readonly string[]).includes(format));
}

/** pubKeyCredParams (step 3): every entry was checked by the decoder; the first supported algorithm wins. */
function chooseAlgorithm(list: CredentialParameters[], ctx: AuthenticatorContext): number {
  const chosen = list.find((entry) => entry.type === "public-key" && ctx.config.algorithms.includes(entry.alg));
  if (chosen === undefined) throw new CtapError(Status.CTAP2_ERR_UNSUPPORTED_ALGORITHM, "no supported algorithm in pubKeyCredParams");
  return chosen.alg;
}

/**
 * A discoverable credential for the same RP and user handle is replaced by the
 * new one (step 16): its ID is returned, to delete once the new one is stored,
 * so a failure never loses both. Otherwise a full store is CTAP2_ERR_KEY_STORE_FULL.
 */
async function makeRoomForDiscoverable(
  ctx: AuthenticatorContext,
  rpIdHash: Uint8Array,
  userId: Uint8Array,
): Promise<Uint8Array | undefined> {
  const existing = await ctx.store.findDiscoverable(rpIdHash, userId);
  if (existing) return existing.id;
  const { discoverable } = await ctx.store.countCredentials();
  if (discoverable >= ctx.config.maxDiscoverableCredentials) {
    throw new CtapError(Status.CTAP2_ERR_KEY_STORE_FULL, "no room for another discoverable credential");
  }
  return undefined;
}

