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
import { credentialDescriptor, encodeParameters, optionalBytes, optionalInteger, optionalMap, optionalText, requireBytes, requireInteger, requireMap } from "../params.js";
import { Permission } from "../../ctap/permissions.js";
import { credProtectLevel } from "../extensions/credProtectLevel.js";
import { verifyCommandToken } from "./commandToken.js";
import { CredentialManagementSubCommand, Param, Response, SubCommandParam } from "../../ctap/messages/credentialManagement.js";

type Handler = (ctx: AuthenticatorContext, subCommandParams: CborMap | undefined, token: PinUvAuthTokenState) => Promise<Map<number, unknown> | undefined>;

/** The subcommands that carry a pinUvAuthParam; the two GetNext ones continue an enumeration instead. */
const authenticated = new Map<number, Handler>([
  [CredentialManagementSubCommand.getCredsMetadata, getCredsMetadata],
  [CredentialManagementSubCommand.enumerateRPsBegin, enumerateRPsBegin],
  [CredentialManagementSubCommand.enumerateCredentialsBegin, enumerateCredentialsBegin],
  [CredentialManagementSubCommand.deleteCredential, deleteCredential],
  [CredentialManagementSubCommand.updateUserInformation, updateUserInformation],
]);

export async function credentialManagement(params: CborMap, ctx: AuthenticatorContext): Promise<Map<number, unknown> | undefined> {
  // Whatever happens, an enumeration continues only from the request right after it.
  const enumeration = ctx.session.current("enumeration");
  ctx.session.end("enumeration");
  const subCommand = requireInteger(params, Param.subCommand, "subCommand");
  if (subCommand === CredentialManagementSubCommand.enumerateRPsGetNextRP || subCommand === CredentialManagementSubCommand.enumerateCredentialsGetNextCredential) {
    return continueEnumeration(ctx, enumeration, subCommand);
  }
  const handler = authenticated.get(subCommand);
  if (!handler) throw new CtapError(Status.CTAP2_ERR_INVALID_SUBCOMMAND, `unknown credentialManagement subCommand ${subCommand}`);
  const subCommandParams = optionalMap(params, Param.subCommandParams, "subCommandParams");
  // pinUvAuthParam = authenticate(pinUvAuthToken, uint8(subCommand) || subCommandParams), subCommandParams as canonical CBOR.
  const encodedParams = subCommandParams ? encodeParameters(subCommandParams, "subCommandParams") : new Uint8Array(0);
  const message = new Uint8Array(1 + encodedParams.length);
  message[0] = subCommand;
  message.set(encodedParams, 1);
  const token = verifyCommandToken(ctx, {
    pinUvAuthParam: optionalBytes(params, Param.pinUvAuthParam, "pinUvAuthParam"),
    pinUvAuthProtocol: optionalInteger(params, Param.pinUvAuthProtocol, "pinUvAuthProtocol"),
    message,
    permission: Permission.cm,
    purpose: `credentialManagement subCommand ${subCommand}`,
  });
  return handler(ctx, subCommandParams, token);
}

/** getCredsMetadata and enumerateRPs see every RP: a token bound to one RP may not use them. */
function requireNoRpId(token: PinUvAuthTokenState): void {
  if (token.rpId !== undefined) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken is bound to ${token.rpId}`);
}

/** A token with a permissions RP ID reaches only that RP's credentials. */
function requireRpAllowed(token: PinUvAuthTokenState, rpId: string): void {
  if (token.rpId !== undefined && token.rpId !== rpId) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken is bound to ${token.rpId}`);
}

async function discoverableCredentials(ctx: AuthenticatorContext, rpIdHash?: Uint8Array): Promise<CredentialRecord[]> {
  const { credentials, corrupted } = await ctx.store.scanCredentials(rpIdHash);
  for (const bad of corrupted) ctx.log(`credentialManagement: skipping credential: ${bad.error.message}`);
  return credentials.filter((c) => c.discoverable);
}

async function getCredsMetadata(ctx: AuthenticatorContext, _subCommandParams: CborMap | undefined, token: PinUvAuthTokenState): Promise<Map<number, unknown>> {
  requireNoRpId(token);
  const { discoverable } = await ctx.store.countCredentials();
  return new Map<number, unknown>([
    [Response.existingResidentCredentialsCount, discoverable],
    [Response.maxPossibleRemainingResidentCredentialsCount, Math.max(0, ctx.config.maxDiscoverableCredentials - discoverable)],
  ]);
}

/** RPs in order of their ID; the name is the one the newest credential was made with. */
async function enumerateRPsBegin(ctx: AuthenticatorContext, _subCommandParams: CborMap | undefined, token: PinUvAuthTokenState): Promise<Map<number, unknown>> {
  requireNoRpId(token);
  const newestByRp = new Map<string, CredentialRecord>();
  for (const record of await discoverableCredentials(ctx)) {
    const seen = newestByRp.get(record.rpId);
    if (!seen || record.createdAt > seen.createdAt) newestByRp.set(record.rpId, record);
  }
  if (newestByRp.size === 0) throw new CtapError(Status.CTAP2_ERR_NO_CREDENTIALS, "no discoverable credentials");
  const responses = [...newestByRp.values()]
    .sort((a, b) => (a.rpId < b.rpId ? -1 : a.rpId > b.rpId ? 1 : 0))
    .map((record) => {
      const rp = new Map<string, unknown>([["id", record.rpId]]);
      if (record.rpName !== undefined) rp.set("name", record.rpName);
      return new Map<number, unknown>([
        [Response.rp, rp],
        [Response.rpIDHash, record.rpIdHash],
      ]);
    });
  responses[0]!.set(Response.totalRPs, responses.length);
  return beginEnumeration(ctx, CredentialManagementSubCommand.enumerateRPsGetNextRP, responses);
}

/** The credentials of one RP, newest first (the order getAssertion offers them in). */
async function enumerateCredentialsBegin(ctx: AuthenticatorContext, subCommandParams: CborMap | undefined, token: PinUvAuthTokenState): Promise<Map<number, unknown>> {
  const rpIdHash = requireBytes(requiredParams(subCommandParams), SubCommandParam.rpIDHash, "rpIDHash");
  if (token.rpId !== undefined && !Buffer.from(ctx.rpIdHash(token.rpId)).equals(rpIdHash)) {
    throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `the pinUvAuthToken is bound to ${token.rpId}`);
  }
  const credentials = (await discoverableCredentials(ctx, rpIdHash)).sort((a, b) => b.createdAt - a.createdAt);
  if (credentials.length === 0) throw new CtapError(Status.CTAP2_ERR_NO_CREDENTIALS, "no discoverable credentials for this rpIDHash");
  const responses = credentials.map(credentialResponse);
  responses[0]!.set(Response.totalCredentials, responses.length);
  return beginEnumeration(ctx, CredentialManagementSubCommand.enumerateCredentialsGetNextCredential, responses);
}

function credentialResponse(record: CredentialRecord): Map<number, unknown> {
  const user = new Map<string, unknown>([["id", record.user?.id ?? new Uint8Array(0)]]);
  if (record.user?.name !== undefined) user.set("name", record.user.name);
  if (record.user?.displayName !== undefined) user.set("displayName", record.user.displayName);
  const response = new Map<number, unknown>([
    [Response.user, user],
    [Response.credentialID, new Map<string, unknown>([["id", record.id], ["type", "public-key"]])],
    [Response.publicKey, decodeCbor(record.publicKey)],
    [Response.credProtect, credProtectLevel(record)],
  ]);
  const largeBlobKey = record.extensions?.largeBlobKey;
  if (largeBlobKey instanceof Uint8Array) response.set(Response.largeBlobKey, largeBlobKey);
  return response;
}

/** The first response now; the rest wait, in volatile memory, for the matching GetNext. */
function beginEnumeration(ctx: AuthenticatorContext, next: number, responses: Map<number, unknown>[]): Map<number, unknown> {
  const [first, ...pending] = responses;
  if (pending.length > 0) ctx.session.begin("enumeration", { next, pending }, ctx.config.getNextAssertionTimeoutMs);
  return first!;
}

/** GetNextRP and GetNextCredential: only directly after their Begin (or themselves), within the time limit (the session ends it then). */
function continueEnumeration(ctx: AuthenticatorContext, enumeration: CredentialEnumeration | undefined, subCommand: number): Map<number, unknown> {
  if (!enumeration || enumeration.next !== subCommand) throw new CtapError(Status.CTAP2_ERR_NOT_ALLOWED, "no matching enumeration in progress");
  const [next, ...pending] = enumeration.pending;
  if (pending.length > 0) ctx.session.begin("enumeration", { next: subCommand, pending }, ctx.config.getNextAssertionTimeoutMs);
  return next!;
}

async function deleteCredential(ctx: AuthenticatorContext, subCommandParams: CborMap | undefined, token: PinUvAuthTokenState): Promise<undefined> {
  const record = await managedCredential(ctx, requiredParams(subCommandParams), token);
  await ctx.store.deleteCredential(record.id);
  ctx.log(`credentialManagement: deleted a credential of ${record.rpId}`);
  return undefined;
}

/**
 * The credential's user name and displayName become the given ones; one
 * absent or empty is removed. The user ID cannot change.
 */
async function updateUserInformation(ctx: AuthenticatorContext, subCommandParams: CborMap | undefined, token: PinUvAuthTokenState): Promise<undefined> {
  const params = requiredParams(subCommandParams);
  const userMap = requireMap(params, SubCommandParam.user, "user");
  const userId = requireBytes(userMap, "id", "user.id");
  const name = optionalText(userMap, "name", "user.name");
  const displayName = optionalText(userMap, "displayName", "user.displayName");
  const record = await managedCredential(ctx, params, token);
  if (!record.user || !Buffer.from(record.user.id).equals(userId)) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "user.id does not match the credential's user");
  }
  const user: StoredUser = { id: record.user.id };
  if (name) user.name = name;
  if (displayName) user.displayName = displayName;
  await ctx.store.updateCredential({ ...record, user });
  ctx.log(`credentialManagement: updated a user of ${record.rpId}`);
  return undefined;
}

/** The discoverable credential named by credentialID, which the token must be allowed to reach. */
async function managedCredential(ctx: AuthenticatorContext, params: CborMap, token: PinUvAuthTokenState): Promise<CredentialRecord> {
  const id = credentialDescriptor(requireMap(params, SubCommandParam.credentialID, "credentialID"), "credentialID");
  const record = id ? await ctx.store.findCredential(id) : undefined;
  if (!record || !record.discoverable) throw new CtapError(Status.CTAP2_ERR_NO_CREDENTIALS, "no such discoverable credential");
  requireRpAllowed(token, record.rpId);
  return record;
}

function requiredParams(subCommandParams: CborMap | undefined): CborMap {
  if (!subCommandParams) throw new CtapError(Status.CTAP2_ERR_MISSING_PARAMETER, "subCommandParams is required");
  return subCommandParams;
}
