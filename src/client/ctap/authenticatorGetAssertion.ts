/**
 * authenticatorGetAssertion (0x02) and authenticatorGetNextAssertion (0x08),
 * CTAP 2.1 sections 6.2 and 6.3, seen from the client.
 */
import type { CborMap } from "../../ctap/cbor.js";
import type { CommandName } from "../../ctap/commands.js";
import { Param, Response } from "../../ctap/messages/getAssertion.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { descriptor } from "./authenticatorMakeCredential.js";
import { callAuthenticator, malformed, ResponseReader, type CallOptions } from "./command.js";

export interface GetAssertionRequest {
  rpId: string;
  clientDataHash: Uint8Array;
  allowList?: { type: string; id: Uint8Array }[];
  /** Authenticator extension inputs by identifier. */
  extensions?: Map<string, unknown>;
  /** up:false asks for a silent probe (no user presence); uv:true asks for built-in UV. */
  options?: { up?: boolean; uv?: boolean };
  pinUvAuthParam?: Uint8Array;
  pinUvAuthProtocol?: number;
}

export interface AssertionUser {
  id: Uint8Array;
  name?: string;
  displayName?: string;
}

export interface GetAssertionResponse {
  /** Absent when the allowList held exactly one credential (CTAP 2.1 section 6.2, "credential"). */
  credentialId?: Uint8Array;
  authData: Uint8Array;
  signature: Uint8Array;
  user?: AssertionUser;
  numberOfCredentials?: number;
  userSelected?: boolean;
  /** The largeBlobKey extension's output (CTAP 2.1 section 12.3). */
  largeBlobKey?: Uint8Array;
}

export function encodeGetAssertion(request: GetAssertionRequest): Map<number, unknown> {
  const params = new Map<number, unknown>([
    [Param.rpId, request.rpId],
    [Param.clientDataHash, request.clientDataHash],
  ]);
  if (request.allowList && request.allowList.length > 0) params.set(Param.allowList, request.allowList.map(descriptor));
  if (request.extensions && request.extensions.size > 0) params.set(Param.extensions, request.extensions);
  // "up" defaults to true, so only an explicit false is worth sending; "uv" only when true.
  const options = new Map<string, boolean>();
  if (request.options?.up === false) options.set("up", false);
  if (request.options?.uv === true) options.set("uv", true);
  if (options.size > 0) params.set(Param.options, options);
  if (request.pinUvAuthParam) {
    params.set(Param.pinUvAuthParam, request.pinUvAuthParam);
    params.set(Param.pinUvAuthProtocol, request.pinUvAuthProtocol);
  }
  return params;
}

export async function authenticatorGetAssertion(
  transport: CtapTransport,
  request: GetAssertionRequest,
  call?: CallOptions,
): Promise<GetAssertionResponse> {
  const command = "authenticatorGetAssertion";
  return decodeAssertion(await callAuthenticator(transport, command, encodeGetAssertion(request), call), command);
}

export async function authenticatorGetNextAssertion(
  transport: CtapTransport,
  call?: CallOptions,
): Promise<GetAssertionResponse> {
  const command = "authenticatorGetNextAssertion";
  return decodeAssertion(await callAuthenticator(transport, command, undefined, call), command);
}

function decodeAssertion(map: CborMap, command: CommandName): GetAssertionResponse {
  const r = new ResponseReader(map, command);
  const response: GetAssertionResponse = {
    authData: r.bytes(Response.authData, "authData"),
    signature: r.bytes(Response.signature, "signature"),
  };
  const credential = r.optional(Response.credential, (k) => r.subMap(k, "credential"));
  if (credential) {
    const id = credential.get("id");
    if (!(id instanceof Uint8Array)) throw malformed(command, "credential.id must be a byte string");
    response.credentialId = id;
  }
  const user = r.optional(Response.user, (k) => r.subMap(k, "user"));
  if (user) {
    const id = user.get("id");
    if (!(id instanceof Uint8Array)) throw malformed(command, "user.id must be a byte string");
    const name = user.get("name");
    const displayName = user.get("displayName");
    response.user = {
      id,
      ...(typeof name === "string" ? { name } : {}),
      ...(typeof displayName === "string" ? { displayName } : {}),
    };
  }
  const count = r.optional(Response.numberOfCredentials, (k) => r.uint(k, "numberOfCredentials"));
  if (count !== undefined) response.numberOfCredentials = count;
  const selected = r.optional(Response.userSelected, (k) => r.boolean(k, "userSelected"));
  if (selected !== undefined) response.userSelected = selected;
  const largeBlobKey = r.optional(Response.largeBlobKey, (k) => r.bytes(k, "largeBlobKey"));
  if (largeBlobKey) response.largeBlobKey = largeBlobKey;
  return response;
}
