/**
 * authenticatorGetAssertion (0x02) and authenticatorGetNextAssertion (0x08),
 * CTAP 2.1 sections 6.2 and 6.3.
 */
import type { CborMap } from "../../ctap/cbor.js";
import type { AuthenticatorContext } from "../context.js";
import type { AssertionQueue } from "../session.js";
import type { CtapRequestContext } from "../../ctap/transport.js";
import { CtapError, Status } from "../../ctap/status.js";
import { readRequest, type ResponseMap } from "../params.js";
import { encodeAuthenticatorData } from "../../ctap/authenticatorData.js";
import { nextSignCount } from "../signCount.js";
import { collectUserPresence } from "../userPresence.js";
import { signWithCredentialKey } from "../../crypto/credentialKeys.js";
import { StoreIntegrityError, type CredentialRecord } from "../store.js";
import { verifyPinUvAuthParam, verifyWithBuiltInUv } from "./pinUvAuth.js";
import { Permission } from "../../ctap/permissions.js";
import { loadPinState } from "../pin/pinState.js";
import { processGetAssertionExtensions } from "../extensions/index.js";
import { CredProtect } from "../../ctap/credProtect.js";
import { credProtectLevel } from "../extensions/credProtectLevel.js";
import { GetAssertionRequest, GetAssertionResponse } from "../../ctap/messages/getAssertion.js";
import { publicKeyDescriptor, type UserEntity } from "../../ctap/messages/entities.js";
import { builtInUvConfigured } from "../bio/templates.js";

const NO_EXTENSIONS = { authData: undefined, unsigned: {} };
const NO_OPTIONS: ReadonlyMap<string, boolean> = new Map();

export async function getAssertion(
  params: CborMap,
  ctx: AuthenticatorContext,
  request: CtapRequestContext,
): Promise<ResponseMap> {
  const input = readRequest(GetAssertionRequest, params);
  const { rpId, clientDataHash, extensions, pinUvAuthParam, pinUvAuthProtocol } = input;
  // An empty allowList is no allowList: the rules for discoverable credentials apply ("not specified or empty",
  // CTAP 2.2 section 6.2.2 step 9). Descriptors of a type other than "public-key" are ignored.
  const allowList = input.allowList?.length ? input.allowList.filter((d) => d.type === "public-key").map((d) => d.id) : undefined;
  const options = input.options ?? NO_OPTIONS;
  if (allowList && allowList.length > ctx.config.maxCredentialCountInList) {
    throw new CtapError(Status.CTAP2_ERR_LIMIT_EXCEEDED, `allowList is longer than maxCredentialCountInList (${ctx.config.maxCredentialCountInList})`);
  }
  // Awaits are kept off the common path (no token, no extensions): each costs about a microsecond here.
  const tokenAuth =
    pinUvAuthParam === undefined
      ? undefined
      : await verifyPinUvAuthParam(ctx, request, {
          pinUvAuthParam,
          pinUvAuthProtocol,
          clientDataHash,
          permission: Permission.ga,
          rpId,
          purpose: "getAssertion",
        });

  // Options (step 4): rk is not a getAssertion option; uv needs built-in UV; up defaults to true.
  if (options.has("rk")) throw new CtapError(Status.CTAP2_ERR_UNSUPPORTED_OPTION, "rk is not a getAssertion option");
  // verifyBuiltIn: the key verifies the user itself (the "uv" option, or alwaysUv on a key with built-in UV).
  let verifyBuiltIn = !tokenAuth && (options.get("uv") ?? false);
  if (verifyBuiltIn && !(await builtInUvConfigured(ctx))) {
    throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, "uv requested but the authenticator has no built-in user verification");
  }
  const upRequested = options.get("up") ?? true;
  // Step 5: alwaysUv binds only requests that test presence; a silent up=false probe (as ssh does before it
  // asks for a touch) still answers. Then a key with built-in UV verifies the user itself, others need a token.
  if (upRequested && !tokenAuth && !verifyBuiltIn && (ctx.session.pin.stored ?? (await loadPinState(ctx))).alwaysUv) {
    if (!(await builtInUvConfigured(ctx))) throw new CtapError(Status.CTAP2_ERR_PUAT_REQUIRED, "alwaysUv is on: user verification is required");
    verifyBuiltIn = true;
  }

  const rpIdHash = ctx.rpIdHash(rpId);
  // credProtect decides which credentials are visible before UV happens, so built-in UV is done first when asked.
  let userVerified = tokenAuth?.userVerified ?? false;
  const ask = { purpose: "getAssertion" as const, rpId };
  if (verifyBuiltIn) {
    await verifyWithBuiltInUv(ctx, ask, request);
    userVerified = true;
  }
  const credentials = allowList ? await findAllowed(ctx, rpIdHash, allowList, userVerified) : await findDiscoverable(ctx, rpIdHash, userVerified);
  if (credentials.length === 0) throw new CtapError(Status.CTAP2_ERR_NO_CREDENTIALS, `no credential for ${rpId}`);

  // Built-in UV includes the user's gesture, so it also proves presence.
  let userPresent = upRequested && (verifyBuiltIn || (tokenAuth?.userPresent ?? false));
  if (upRequested && !userPresent) {
    const only = credentials.length === 1 ? credentials[0]!.user : undefined;
    const waiting = collectUserPresence(ctx, { ...ask, userName: only?.name, userDisplayName: only?.displayName }, request);
    if (waiting) await waiting;
    userPresent = true;
  }
  if (tokenAuth && upRequested) ctx.session.pin.token.clearAfterUse();
  const first = credentials[0]!;

  const queue: AssertionQueue = {
    credentials: allowList ? [] : credentials.slice(1),
    clientDataHash,
    userPresent,
    userVerified,
    severalAccounts: !allowList && credentials.length > 1,
    extensions,
    pinUvAuthProtocol,
  };
  if (queue.credentials.length > 0) ctx.session.begin("assertions", queue, ctx.config.getNextAssertionTimeoutMs);
  else ctx.session.end("assertions");

  const response = await assert(ctx, first, queue);
  if (!allowList && credentials.length > 1) response.numberOfCredentials = credentials.length;
  return GetAssertionResponse.encodeMap(response);
}

export async function getNextAssertion(
  _params: CborMap,
  ctx: AuthenticatorContext,
): Promise<ResponseMap> {
  // The session ends the queue when another command came between, or when it expired.
  const queue = ctx.session.current("assertions");
  if (!queue || queue.credentials.length === 0) throw new CtapError(Status.CTAP2_ERR_NOT_ALLOWED, "no getAssertion in progress");
  const next = queue.credentials.shift()!;
  if (queue.credentials.length === 0) ctx.session.end("assertions");
  return GetAssertionResponse.encodeMap(await assert(ctx, next, queue));
}

/**
 * allowList lookups are point reads; credentials of another RP or unknown IDs
 * are skipped, and so is a credProtect level 3 credential without UV. A listed
 * credential whose record fails its integrity check is skipped too, but when
 * no other one answers, that failure is the answer (CTAP2_ERR_INTEGRITY_FAILURE):
 * "no such credential" would hide a tampered store behind an ordinary refusal.
 */
async function findAllowed(ctx: AuthenticatorContext, rpIdHash: Uint8Array, ids: Uint8Array[], userVerified: boolean): Promise<CredentialRecord[]> {
  let damaged: StoreIntegrityError | undefined;
  for (const id of ids) {
    try {
      const record = await ctx.store.getCredential(rpIdHash, id);
      if (record && (userVerified || credProtectLevel(record) < CredProtect.userVerificationRequired)) return [record];
    } catch (error) {
      ctx.log(`skipping credential: ${(error as Error).message}`);
      if (error instanceof StoreIntegrityError) damaged ??= error;
    }
  }
  if (damaged) throw damaged;
  return [];
}

/**
 * Discoverable credentials of one RP, newest first (CTAP 2.1 section 6.2.2
 * step 9); without UV only those whose credProtect level is optional.
 */
async function findDiscoverable(ctx: AuthenticatorContext, rpIdHash: Uint8Array, userVerified: boolean): Promise<CredentialRecord[]> {
  const { credentials, corrupted } = await ctx.store.scanCredentials(rpIdHash);
  for (const bad of corrupted) ctx.log(`skipping credential: ${bad.error.message}`);
  return credentials
    .filter((c) => c.discoverable && (userVerified || credProtectLevel(c) === CredProtect.userVerificationOptional))
    .sort((a, b) => b.createdAt - a.createdAt);
}

async function assert(
  ctx: AuthenticatorContext,
  record: CredentialRecord,
  queue: AssertionQueue,
): Promise<GetAssertionResponse> {
  const extensionResults = queue.extensions
    ? await processGetAssertionExtensions(queue.extensions, {
        ctx,
        record,
        userVerified: queue.userVerified,
        userPresent: queue.userPresent,
        pinUvAuthProtocol: queue.pinUvAuthProtocol,
      })
    : NO_EXTENSIONS;
  const signCount = await nextSignCount(ctx, record.id);
  const authData = encodeAuthenticatorData({
    rpIdHash: record.rpIdHash,
    userPresent: queue.userPresent,
    userVerified: queue.userVerified,
    backupEligible: record.backupEligible,
    backupState: record.backupState,
    signCount,
    extensions: extensionResults.authData,
  });
  const signed = new Uint8Array(authData.length + queue.clientDataHash.length);
  signed.set(authData, 0);
  signed.set(queue.clientDataHash, authData.length);
  const signature = signWithCredentialKey(record.alg, ctx.signingKeys.get(record), signed);
  const response: GetAssertionResponse = {
    credential: publicKeyDescriptor(record.id),
    authData,
    signature,
    ...extensionResults.unsigned,
  };
  const user = publicUser(record, queue.userVerified && queue.severalAccounts);
  if (user) response.user = user;
  return response;
}

/**
 * The user entity of a discoverable credential (CTAP 2.1 section 6.2.2, step
 * 12): its id always; name and displayName only when the platform must show
 * an account chooser (several accounts) and the authenticator verified the
 * user ("User identifiable information ... MUST NOT be returned if user
 * verification is not done by the authenticator").
 */
function publicUser(record: CredentialRecord, identifyUser: boolean): UserEntity | undefined {
  if (!record.discoverable || !record.user) return undefined;
  if (!identifyUser) return { id: record.user.id };
  return { id: record.user.id, name: record.user.name, displayName: record.user.displayName };
}
