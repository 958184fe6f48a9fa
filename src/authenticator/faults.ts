/**
 * Response faults: switches that make the key answer like a broken (or
 * malicious) one, so a test can check that a relying party refuses it. Named
 * like Chrome's DevTools WebAuthn.setResponseOverrideBits where they overlap.
 *
 * They model a broken key, so they act in one place, on the finished
 * makeCredential / getAssertion / getNextAssertion response: the commands
 * themselves never see them. authenticator.ts wraps those three handlers with
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
import { Param as MakeCredentialParam, Response as MakeCredentialResponse } from "../ctap/messages/makeCredential.js";
import { Param as GetAssertionParam, Response as GetAssertionResponse } from "../ctap/messages/getAssertion.js";
import { signWithCredentialKey } from "../crypto/credentialKeys.js";
import { deterministicKeyFactory } from "../crypto/deterministicKeys.js";
import { concat } from "../bytes/concat.js";

export interface ResponseFaults {
  /** The signature (assertion, and the attestation's sig) has its last byte flipped: it no longer verifies. */
  isBogusSignature: boolean;
  /** The UP flag is cleared. */
  isBadUP: boolean;
  /** The UV flag is cleared, even when the user was verified (wins over forceUV). */
  isBadUV: boolean;
  /** The UV flag is set though no user verification happened. */
  forceUV: boolean;
  /** rpIdHash is not SHA-256 of the RP ID (it is SHA-256 of the right hash). */
  badRpIdHash: boolean;
  /** makeCredential: the attested credential data carries another public key than the one that signs. */
  mismatchedPublicKey: boolean;
  /** getAssertion: the authenticator data lacks its last byte. */
  truncatedAuthData: boolean;
}

export type FaultName = keyof ResponseFaults;

export const FAULT_DESCRIPTIONS: Readonly<Record<FaultName, string>> = {
  isBogusSignature: "flip the last byte of the assertion (and attestation) signature",
  isBadUP: "clear the UP (user present) flag",
  isBadUV: "clear the UV (user verified) flag",
  forceUV: "set the UV flag though no user verification happened",
  badRpIdHash: "send a wrong rpIdHash",
  mismatchedPublicKey: "register a public key other than the one that signs",
  truncatedAuthData: "cut the assertion's authenticator data one byte short",
};

export const FAULT_NAMES = Object.keys(FAULT_DESCRIPTIONS) as readonly FaultName[];

export const NO_FAULTS: ResponseFaults = Object.freeze({
  isBogusSignature: false,
  isBadUP: false,
  isBadUV: false,
  forceUV: false,
  badRpIdHash: false,
  mismatchedPublicKey: false,
  truncatedAuthData: false,
});

export function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULT_DESCRIPTIONS, name);
}

/** The switches given, all others off; NO_FAULTS itself when none is on (the wrapper's fast check). */
export function responseFaults(on: Partial<ResponseFaults> | undefined): ResponseFaults {
  if (!on || !FAULT_NAMES.some((name) => on[name] === true)) return NO_FAULTS;
  const faults = { ...NO_FAULTS };
  for (const name of FAULT_NAMES) faults[name] = on[name] === true;
  return Object.freeze(faults);
}

type Handler = (params: CborMap, ctx: AuthenticatorContext, request: CtapRequestContext) => Promise<Map<number, unknown> | undefined>;
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
): Promise<Map<number, unknown> | undefined> {
  const clientDataHash =
    kind === "makeCredential"
      ? (params.get(MakeCredentialParam.clientDataHash) as Uint8Array)
      : kind === "getAssertion"
        ? (params.get(GetAssertionParam.clientDataHash) as Uint8Array)
        : ctx.session.current("assertions")?.clientDataHash; // read before the handler may end the queue
  const response = await handler(params, ctx, request);
  const faults = ctx.config.faults;
  const authDataKey = kind === "makeCredential" ? MakeCredentialResponse.authData : GetAssertionResponse.authData;
  const original = response?.get(authDataKey);
  if (!response || !(original instanceof Uint8Array) || !(clientDataHash instanceof Uint8Array)) return response;

  const parsed = parseAuthenticatorData(original);
  const credentialId = kind === "makeCredential" ? parsed.attestedCredentialData?.credentialId : credentialIdOf(response);
  const record = credentialId && (await ctx.store.findCredential(credentialId));
  if (!record) return response;

  const fields = authenticatorDataFields(parsed);
  if (faults.isBadUP) fields.userPresent = false;
  if (faults.forceUV) fields.userVerified = true;
  if (faults.isBadUV) fields.userVerified = false;
  if (faults.badRpIdHash) fields.rpIdHash = createHash("sha256").update(fields.rpIdHash).digest();
  const attested = fields.attestedCredentialData;
  if (faults.mismatchedPublicKey && attested && bytesEqual(attested.credentialPublicKey, record.publicKey)) {
    attested.credentialPublicKey = await otherKey(record.alg);
  }
  let authData = encodeAuthenticatorData(fields);
  if (faults.truncatedAuthData && kind !== "makeCredential") authData = authData.subarray(0, authData.length - 1);
  const changed = !bytesEqual(authData, original);
  response.set(authDataKey, authData);

  const sign = () => signWithCredentialKey(record.alg, ctx.signingKeys.get(record), concat(authData, clientDataHash));
  if (kind === "makeCredential") {
    const attStmt = response.get(MakeCredentialResponse.attStmt);
    if (attStmt instanceof Map && attStmt.has("sig")) {
      const selfAttestation = !attStmt.has("x5c");
      if (changed && selfAttestation) attStmt.set("sig", sign());
      if (faults.isBogusSignature) attStmt.set("sig", flipLastByte(attStmt.get("sig") as Uint8Array));
    }
  } else {
    let signature = response.get(GetAssertionResponse.signature) as Uint8Array;
    if (changed) signature = sign();
    if (faults.isBogusSignature) signature = flipLastByte(signature);
    response.set(GetAssertionResponse.signature, signature);
  }
  ctx.log(`faults applied to ${kind}: ${Object.entries(faults).filter(([, on]) => on).map(([name]) => name).join(", ")}`);
  return response;
}

function credentialIdOf(response: Map<number, unknown>): Uint8Array | undefined {
  const descriptor = response.get(GetAssertionResponse.credential);
  const id = descriptor instanceof Map ? descriptor.get("id") : undefined;
  return id instanceof Uint8Array ? id : undefined;
}

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

function flipLastByte(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length > 0) out[out.length - 1]! ^= 0xff;
  return out;
}
