/**
 * authenticatorCredentialManagement (0x0A), CTAP 2.1 section 6.8: metadata,
 * enumeration of the RPs and of their discoverable credentials, deletion and
 * user updates, each behind a pinUvAuthToken with the cm permission. Only
 * discoverable credentials are managed; the others are not this command's.
 */
import type { CborMap } from "../../ctap/cbor.js";
import { decodeCbor } from "../../ctap/cbor.js";
import type { AuthenticatorContext } from "../context.js";
import type { CredentialEnumeration } from "../session.js";
import type { CredentialRecord, StoredUser } from "../store.js";
import type { PinUvAuthTokenState } from "../pin/pinUvAuthToken.js";
import { CtapError, Status } from "../../ctap/status.js";
import { encodeParameters, need, readRequest, type ResponseMap } from "../params.js";
import { Permission } from "../../ctap/permissions.js";
import { credProtectLevel } from "../extensions/credProtectLevel.js";
import { verifyCommandToken } from "./commandToken.js";
import {
  CredentialManagementParams,
  CredentialManagementRequest,
  CredentialManagementResponse,
  CredentialManagementSubCommand,
} from "../../ctap/messages/credentialManagement.js";
import { publicKeyDescriptor } from "../../ctap/messages/entities.js";
import { isThirdPartyPayment } from "../extensions/thirdPartyPayment.js";
import { credentialStoreChanged, persistentTokenAuthenticates } from "../pin/persistentToken.js";
import { selectProtocol } from "./clientPin.js";
import { claimsCtap23 } from "../deviceConfig.js";

/** What a handler needs of the token that authorised it: the permissions RP ID, if any. */
type TokenScope = Pick<PinUvAuthTokenState, "rpId">;

/**
 * The read-only subcommands a persistent token with pcmr may run (CTAP 2.2 section 6.5.5.7, pcmr); updating and
 * deleting still need a regular token with cm, and with the persistent one answer PIN_AUTH_INVALID.
 */
const READ_ONLY = new Set<number>([
  CredentialManagementSubCommand.getCredsMetadata,
  CredentialManagementSubCommand.enumerateRPsBegin,
  CredentialManagementSubCommand.enumerateCredentialsBegin,
]);

type Handler = (ctx: AuthenticatorContext, subCommandParams: CredentialManagementParams | undefined, token: TokenScope) => Promise<CredentialManagementResponse | undefined>;

/** The subcommands that carry a pinUvAuthParam; the two GetNext ones continue an enumeration instead. */
const authenticated = new Map<number, Handler>([
  [CredentialManagementSubCommand.getCredsMetadata, getCredsMetadata],
  [CredentialManagementSubCommand.enumerateRPsBegin, enumerateRPsBegin],
  [CredentialManagementSubCommand.enumerateCredentialsBegin, enumerateCredentialsBegin],
  [CredentialManagementSubCommand.deleteCredential, deleteCredential],
  [CredentialManagementSubCommand.updateUserInformation, updateUserInformation],
]);

export async function credentialManagement(params: CborMap, ctx: AuthenticatorContext): Promise<ResponseMap | undefined> {
  // Whatever happens, an enumeration continues only from the request right after it.
  const enumeration = ctx.session.current("enumeration");
  ctx.session.end("enumeration");
  const input = readRequest(CredentialManagementRequest, params);
  const { subCommand, subCommandParams } = input;
  if (subCommand === CredentialManagementSubCommand.enumerateRPsGetNextRP || subCommand === CredentialManagementSubCommand.enumerateCredentialsGetNextCredential) {
    return CredentialManagementResponse.encodeMap(continueEnumeration(ctx, enumeration, subCommand));
  }
  const handler = authenticated.get(subCommand);
  if (!handler) throw new CtapError(Status.CTAP2_ERR_INVALID_SUBCOMMAND, `unknown credentialManagement subCommand ${subCommand}`);
  // pinUvAuthParam = authenticate(pinUvAuthToken, uint8(subCommand) || subCommandParams), subCommandParams as canonical CBOR.
  const encodedParams = subCommandParams ? encodeParameters(subCommandParams, "subCommandParams") : new Uint8Array(0);
  const message = new Uint8Array(1 + encodedParams.length);
  message[0] = subCommand;
  message.set(encodedParams, 1);
  const token: TokenScope = (await persistentTokenScope(ctx, input, subCommand, message)) ?? verifyCommandToken(ctx, {
    pinUvAuthParam: input.pinUvAuthParam,
    pinUvAuthProtocol: input.pinUvAuthProtocol,
    message,
    permission: Permission.cm,
    purpose: `credentialManagement subCommand ${subCommand}`,
  });
  const response = await handler(ctx, subCommandParams && readRequest(CredentialManagementParams, subCommandParams, "subCommandParams."), token);
  return response && CredentialManagementResponse.encodeMap(response);
}

/** A read-only subcommand authenticated by the persistent token (pcmr): it reaches every RP. Otherwise undefined. */
async function persistentTokenScope(ctx: AuthenticatorContext, input: CredentialManagementRequest, subCommand: number, message: Uint8Array): Promise<TokenScope | undefined> {
  if (!READ_ONLY.has(subCommand) || input.pinUvAuthParam === undefined || !ctx.config.optionalFeatures.includes("perCredMgmtRO")) return undefined;
  const protocol = selectProtocol(ctx, input.pinUvAuthProtocol);
  return (await persistentTokenAuthenticates(ctx, protocol, message, input.pinUvAuthParam)) ? { rpId: undefined } : undefined;
}

/** getCredsMetadata and enumerateRPs see every RP: a token bound to one RP may not use them. */
function requireNoRpId(token: TokenScope): void {
  if (token.rpId !== undefined) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken is bound to ${token.rpId}`);
}

/** A token with a permissions RP ID reaches only that RP's credentials. */
function requireRpAllowed(token: TokenScope, rpId: string): void {
  if (token.rpId !== undefined && token.rpId !== rpId) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken is bound to ${token.rpId}`);
}

async function discoverableCredentials(ctx: AuthenticatorContext, rpIdHash?: Uint8Array): Promise<CredentialRecord[]> {
  const { credentials, corrupted } = await ctx.store.scanCredentials(rpIdHash);
  for (const bad of corrupted) ctx.log(`credentialManagement: skipping credential: ${bad.error.message}`);
  return credentials.filter((c) => c.discoverable);
}

async function getCredsMetadata(ctx: AuthenticatorContext, _params: CredentialManagementParams | undefined, token: TokenScope): Promise<CredentialManagementResponse> {
  requireNoRpId(token);
  const { discoverable } = await ctx.store.countCredentials();
  return {
    existingResidentCredentialsCount: discoverable,
    maxPossibleRemainingResidentCredentialsCount: Math.max(0, ctx.config.maxDiscoverableCredentials - discoverable),
  };
}

/** RPs in order of their ID; the name is the one the newest credential was made with. */
async function enumerateRPsBegin(ctx: AuthenticatorContext, _params: CredentialManagementParams | undefined, token: TokenScope): Promise<CredentialManagementResponse> {
  requireNoRpId(token);
  const newestByRp = new Map<string, CredentialRecord>();
  for (const record of await discoverableCredentials(ctx)) {
    const seen = newestByRp.get(record.rpId);
    if (!seen || record.createdAt > seen.createdAt) newestByRp.set(record.rpId, record);
  }
  if (newestByRp.size === 0) throw new CtapError(Status.CTAP2_ERR_NO_CREDENTIALS, "no discoverable credentials");
  const responses = [...newestByRp.values()]
    .sort((a, b) => (a.rpId < b.rpId ? -1 : a.rpId > b.rpId ? 1 : 0))
    .map((record): CredentialManagementResponse => ({ rp: { id: record.rpId, name: record.rpName }, rpIDHash: record.rpIdHash }));
  responses[0]!.totalRPs = responses.length;
  return beginEnumeration(ctx, CredentialManagementSubCommand.enumerateRPsGetNextRP, responses);
}

/** The credentials of one RP, newest first (the order getAssertion offers them in). */
async function enumerateCredentialsBegin(ctx: AuthenticatorContext, params: CredentialManagementParams | undefined, token: TokenScope): Promise<CredentialManagementResponse> {
  const rpIdHash = need(requiredParams(params).rpIDHash, "rpIDHash");
  if (token.rpId !== undefined && !Buffer.from(ctx.rpIdHash(token.rpId)).equals(rpIdHash)) {
    throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken is bound to ${token.rpId}`);
  }
  const credentials = (await discoverableCredentials(ctx, rpIdHash)).sort((a, b) => b.createdAt - a.createdAt);
  if (credentials.length === 0) throw new CtapError(Status.CTAP2_ERR_NO_CREDENTIALS, "no discoverable credentials for this rpIDHash");
  const responses = credentials.map((record) => credentialResponse(ctx, record));
  responses[0]!.totalCredentials = responses.length;
  return beginEnumeration(ctx, CredentialManagementSubCommand.enumerateCredentialsGetNextCredential, responses);
}

function credentialResponse(ctx: AuthenticatorContext, record: CredentialRecord): CredentialManagementResponse {
  const largeBlobKey = record.extensions?.largeBlobKey;
  return {
    user: { id: record.user?.id ?? new Uint8Array(0), name: record.user?.name, displayName: record.user?.displayName },
    credentialID: publicKeyDescriptor(record.id),
    publicKey: decodeCbor(record.publicKey) as CborMap,
    credProtect: credProtectLevel(record),
    ...(largeBlobKey instanceof Uint8Array ? { largeBlobKey } : {}),
    // CTAP 2.3 added the member; a 2.2 key does not send it.
    ...(claimsCtap23(ctx.config) ? { thirdPartyPayment: isThirdPartyPayment(record) } : {}),
  };
}

/** The first response now; the rest wait, in volatile memory, for the matching GetNext. */
function beginEnumeration(ctx: AuthenticatorContext, next: number, responses: CredentialManagementResponse[]): CredentialManagementResponse {
  const [first, ...pending] = responses;
  if (pending.length > 0) ctx.session.begin("enumeration", { next, pending }, ctx.config.getNextAssertionTimeoutMs);
  return first!;
}

/** GetNextRP and GetNextCredential: only directly after their Begin (or themselves), within the time limit (the session ends it then). */
function continueEnumeration(ctx: AuthenticatorContext, enumeration: CredentialEnumeration | undefined, subCommand: number): CredentialManagementResponse {
  if (!enumeration || enumeration.next !== subCommand) throw new CtapError(Status.CTAP2_ERR_NOT_ALLOWED, "no matching enumeration in progress");
  const [next, ...pending] = enumeration.pending;
  if (pending.length > 0) ctx.session.begin("enumeration", { next: subCommand, pending }, ctx.config.getNextAssertionTimeoutMs);
  return next!;
}

async function deleteCredential(ctx: AuthenticatorContext, params: CredentialManagementParams | undefined, token: TokenScope): Promise<undefined> {
  const record = await managedCredential(ctx, requiredParams(params), token);
  await ctx.store.deleteCredential(record.id);
  await credentialStoreChanged(ctx);
  ctx.log(`credentialManagement: deleted a credential of ${record.rpId}`);
  return undefined;
}

/**
 * The credential's user name and displayName become the given ones; one
 * absent or empty is removed. The user ID cannot change.
 */
async function updateUserInformation(ctx: AuthenticatorContext, subCommandParams: CredentialManagementParams | undefined, token: TokenScope): Promise<undefined> {
  const params = requiredParams(subCommandParams);
  const { id: userId, name, displayName } = need(params.user, "user");
  const record = await managedCredential(ctx, params, token);
  if (!record.user || !Buffer.from(record.user.id).equals(userId)) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "user.id does not match the credential's user");
  }
  const user: StoredUser = { id: record.user.id };
  if (name) user.name = name;
  if (displayName) user.displayName = displayName;
  await ctx.store.updateCredential({ ...record, user });
  await credentialStoreChanged(ctx);
  ctx.log(`credentialManagement: updated a user of ${record.rpId}`);
  return undefined;
}

/** The discoverable credential named by credentialID, which the token must be allowed to reach. */
async function managedCredential(ctx: AuthenticatorContext, params: CredentialManagementParams, token: TokenScope): Promise<CredentialRecord> {
  const descriptor = need(params.credentialID, "credentialID");
  const record = descriptor.type === "public-key" ? await ctx.store.findCredential(descriptor.id) : undefined;
  if (!record || !record.discoverable) throw new CtapError(Status.CTAP2_ERR_NO_CREDENTIALS, "no such discoverable credential");
  requireRpAllowed(token, record.rpId);
  return record;
}

function requiredParams(subCommandParams: CredentialManagementParams | undefined): CredentialManagementParams {
  if (!subCommandParams) throw new CtapError(Status.CTAP2_ERR_MISSING_PARAMETER, "subCommandParams is required");
  return subCommandParams;
}
