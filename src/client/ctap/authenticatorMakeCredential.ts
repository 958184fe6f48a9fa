/** authenticatorMakeCredential (0x01), CTAP 2.1 section 6.1, seen from the client. */
import type { CborMap } from "../../ctap/cbor.js";
import { Param, Response } from "../../ctap/messages/makeCredential.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { callAuthenticator, ResponseReader, type CallOptions } from "./command.js";

export interface MakeCredentialRequest {
  clientDataHash: Uint8Array;
  rp: { id: string; name?: string };
  user: { id: Uint8Array; name?: string; displayName?: string };
  pubKeyCredParams: { type: string; alg: number }[];
  excludeList?: { type: string; id: Uint8Array }[];
  /** Authenticator extension inputs by identifier. */
  extensions?: Map<string, unknown>;
  /** Only options that differ from their defaults are sent: rk and uv when true. */
  options?: { rk?: boolean; uv?: boolean };
  pinUvAuthParam?: Uint8Array;
  pinUvAuthProtocol?: number;
}

export interface MakeCredentialResponse {
  fmt: string;
  authData: Uint8Array;
  attStmt: CborMap;
  /** The largeBlobKey extension's output (CTAP 2.1 section 12.3), beside the authenticator data. */
  largeBlobKey?: Uint8Array;
}

export function encodeMakeCredential(request: MakeCredentialRequest): Map<number, unknown> {
  const params = new Map<number, unknown>([
    [Param.clientDataHash, request.clientDataHash],
    [Param.rp, entity({ id: request.rp.id, name: request.rp.name })],
    [Param.user, entity({ id: request.user.id, name: request.user.name, displayName: request.user.displayName })],
    [Param.pubKeyCredParams, request.pubKeyCredParams.map((p) => new Map<string, unknown>([["alg", p.alg], ["type", p.type]]))],
  ]);
  if (request.excludeList && request.excludeList.length > 0) {
    params.set(Param.excludeList, request.excludeList.map(descriptor));
  }
  if (request.extensions && request.extensions.size > 0) params.set(Param.extensions, request.extensions);
  const options = trueOptions(request.options ?? {});
  if (options.size > 0) params.set(Param.options, options);
  if (request.pinUvAuthParam) {
    params.set(Param.pinUvAuthParam, request.pinUvAuthParam);
    params.set(Param.pinUvAuthProtocol, request.pinUvAuthProtocol);
  }
  return params;
}

export async function authenticatorMakeCredential(
  transport: CtapTransport,
  request: MakeCredentialRequest,
  call?: CallOptions,
): Promise<MakeCredentialResponse> {
  const command = "authenticatorMakeCredential";
  const map = await callAuthenticator(transport, command, encodeMakeCredential(request), call);
  const r = new ResponseReader(map, command);
  const response: MakeCredentialResponse = {
    fmt: r.text(Response.fmt, "fmt"),
    authData: r.bytes(Response.authData, "authData"),
    attStmt: r.subMap(Response.attStmt, "attStmt"),
  };
  const largeBlobKey = r.optional(Response.largeBlobKey, (k) => r.bytes(k, "largeBlobKey"));
  if (largeBlobKey) response.largeBlobKey = largeBlobKey;
  return response;
}

/** A PublicKeyCredentialDescriptor as CTAP carries it: type and id only (transports are the platform's concern). */
export function descriptor(d: { type: string; id: Uint8Array }): Map<string, unknown> {
  return new Map<string, unknown>([
    ["id", d.id],
    ["type", d.type],
  ]);
}

export function trueOptions(options: Record<string, boolean | undefined>): Map<string, boolean> {
  return new Map(Object.entries(options).filter(([, v]) => v === true) as [string, boolean][]);
}

function entity(fields: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries(fields).filter(([, v]) => v !== undefined));
}
