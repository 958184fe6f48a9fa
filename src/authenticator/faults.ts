/**
 * Response faults (the switches are in faultSwitches.ts) model a broken key,
 * so they act in one place, on the finished
 * makeCredential / getAssertion / getNextAssertion response: the commands
 * themselves never see them. device.ts wraps those three handlers with
 * withResponseFaults; with every switch off the wrapper calls straight
 * through (no await, no allocation). When a switch changes the authenticator
 * data, the changed data is signed again with the credential's key (the key
 * signs what it sends), so the RP refuses for the fault itself, not for a
 * signature that no longer matches. A full attestation (x5c) is not signed
 * again: its key is the attestation CA's.
 */
import { createHash } from "node:crypto";
import type { CborMap } from "../ctap/cbor.js";
import type { AuthenticatorContext } from "./context.js";
import type { CtapRequestContext } from "../ctap/transport.js";
import { authenticatorDataFields, encodeAuthenticatorData, parseAuthenticatorData } from "../ctap/authenticatorData.js";
import { bytesEqual } from "../bytes/equal.js";
import { MakeCredentialRequest, MakeCredentialResponse } from "../ctap/messages/makeCredential.js";
import { GetAssertionRequest, GetAssertionResponse } from "../ctap/messages/getAssertion.js";
import type { CredentialRecord } from "./store.js";
import { signWithCredentialKey } from "../crypto/credentialKeys.js";
import { deterministicKeyFactory } from "../crypto/deterministicKeys.js";
import { concat } from "../bytes/concat.js";
import { NO_FAULTS } from "./faultSwitches.js";
import { readRequest, type ResponseMap } from "./params.js";

type Handler = (params: CborMap, ctx: AuthenticatorContext, request: CtapRequestContext) => Promise<ResponseMap | undefined>;
type Kind = "makeCredential" | "getAssertion" | "getNextAssertion";

/** The handler, with the device's faults applied to its response. */
export function withResponseFaults(kind: Kind, handler: Handler): Handler {
  return (params, ctx, request) =>
    ctx.config.faults === NO_FAULTS ? handler(params, ctx, request) : faultyResponse(kind, handler, params, ctx, request);
}

async function faultyResponse(
  kind: Kind,
  handler: Handler,
  params: CborMap,
  ctx: AuthenticatorContext,
  request: CtapRequestContext,
): Promise<ResponseMap | undefined> {
  // Read before the handler may end the getNextAssertion queue.
  const queued = kind === "getNextAssertion" ? ctx.session.current("assertions")?.clientDataHash : undefined;
  const response = await handler(params, ctx, request);
  if (!response) return response;
  // The handler accepted the request, so it reads back through its table.
  const clientDataHash =
    queued ??
    (kind === "makeCredential" ? readRequest(MakeCredentialRequest, params).clientDataHash : readRequest(GetAssertionRequest, params).clientDataHash);
  const faulty = kind === "makeCredential" ? faultyAttestation : faultyAssertion;
  return faulty(ctx, response, clientDataHash);
}

/** makeCredential: the authenticator data changed, a self attestation's signature made again over it, then broken if asked. */
async function faultyAttestation(ctx: AuthenticatorContext, map: ResponseMap, clientDataHash: Uint8Array): Promise<ResponseMap> {
  const response = MakeCredentialResponse.decodeMap(map as CborMap, RESPONSE_FAILURE);
  const parsed = parseAuthenticatorData(response.authData);
  const record = parsed.attestedCredentialData && (await ctx.store.findCredential(parsed.attestedCredentialData.credentialId));
  if (!record) return map;
  const { authData, changed } = await faultyAuthenticatorData(ctx, record, response.authData, "makeCredential");
  const { attStmt } = response;
  if (attStmt.has("sig")) {
    // A full attestation (x5c) is the CA's signature: not made again.
    if (changed && !attStmt.has("x5c")) attStmt.set("sig", signOver(ctx, record, authData, clientDataHash));
    if (ctx.config.faults.isBogusSignature) attStmt.set("sig", bogus(ctx, attStmt.get("sig") as Uint8Array));
  }
  logFaults(ctx, "makeCredential");
  return MakeCredentialResponse.encodeMap({ ...response, authData, attStmt });
}

/** getAssertion and getNextAssertion: the authenticator data changed and signed again, then the signature broken if asked. */
async function faultyAssertion(ctx: AuthenticatorContext, map: ResponseMap, clientDataHash: Uint8Array): Promise<ResponseMap> {
  const response = GetAssertionResponse.decodeMap(map as CborMap, RESPONSE_FAILURE);
  const record = response.credential && (await ctx.store.findCredential(response.credential.id));
  if (!record) return map;
  const { authData, changed } = await faultyAuthenticatorData(ctx, record, response.authData, "getAssertion");
  let signature = changed ? signOver(ctx, record, authData, clientDataHash) : response.signature;
  if (ctx.config.faults.isBogusSignature) signature = bogus(ctx, signature);
  logFaults(ctx, "getAssertion");
  return GetAssertionResponse.encodeMap({ ...response, authData, signature });
}

async function faultyAuthenticatorData(
  ctx: AuthenticatorContext,
  record: CredentialRecord,
  original: Uint8Array,
  kind: "makeCredential" | "getAssertion",
): Promise<{ authData: Uint8Array; changed: boolean }> {
  const faults = ctx.config.faults;
  const fields = authenticatorDataFields(parseAuthenticatorData(original));
  if (faults.isBadUP) fields.userPresent = false;
  if (faults.forceUV) fields.userVerified = true;
  if (faults.isBadUV) fields.userVerified = false;
  if (faults.badRpIdHash) fields.rpIdHash = createHash("sha256").update(fields.rpIdHash).digest();
  const attested = fields.attestedCredentialData;
  if (faults.mismatchedPublicKey && attested && bytesEqual(attested.credentialPublicKey, record.publicKey)) {
    attested.credentialPublicKey = await otherKey(record.alg);
  }
  let authData = encodeAuthenticatorData(fields);
  if (faults.truncatedAuthData && kind === "getAssertion") authData = authData.subarray(0, authData.length - 1);
  return { authData, changed: !bytesEqual(authData, original) };
}

function signOver(ctx: AuthenticatorContext, record: CredentialRecord, authData: Uint8Array, clientDataHash: Uint8Array): Uint8Array {
  return signWithCredentialKey(record.alg, ctx.signingKeys.get(record), concat(authData, clientDataHash));
}

function logFaults(ctx: AuthenticatorContext, kind: string): void {
  const on = Object.entries(ctx.config.faults).filter(([, value]) => value).map(([name]) => name);
  ctx.log(`faults applied to ${kind}: ${on.join(", ")}`);
}

/** The core's own responses always read back; failing to is a bug, reported as such. */
const RESPONSE_FAILURE = {
  missing: (name: string) => new Error(`faults: the response lacks ${name}`),
  wrongType: (name: string, expected: string) => new Error(`faults: the response's ${name} is not ${expected}`),
};

const otherKeys = new Map<number, Uint8Array>();

/** A fixed key pair nobody uses, so the fault gives the same bytes every time (deterministic mode included). */
async function otherKey(alg: number): Promise<Uint8Array> {
  let key = otherKeys.get(alg);
  if (!key) {
    const factory = deterministicKeyFactory({ seed: "softkey mismatchedPublicKey", nextCreation: () => Promise.resolve(0) });
    key = (await factory.create({ alg, rpId: "", userId: new Uint8Array() })).keyPair.publicKey;
    otherKeys.set(alg, key);
  }
  return key;
}

/** The signature isBogusSignature sends instead (config.bogusSignature says which kind). */
function bogus(ctx: AuthenticatorContext, signature: Uint8Array): Uint8Array {
  return ctx.config.bogusSignature === "zero" ? Uint8Array.of(0) : flipLastByte(signature);
}

function flipLastByte(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length > 0) out[out.length - 1]! ^= 0xff;
  return out;
}
